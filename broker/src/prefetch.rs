//! Cache prefetch hints, for drivers of consumer fleets too large for the cache.

/// Asks the processor to bring every cache line of `value` into its caches, ahead of a use
/// some hundreds of cycles later. Only a hint: no effect on what the program computes. A
/// no-op on processors other than x86-64.
#[inline(always)] // A call around one prefetch instruction costs more than the hint saves.
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let start = (value as *const T).cast::<i8>();
        let size = std::mem::size_of::<T>();
        // One address per 64-byte line from the first byte, and the last byte (whose line
        // the steps miss when `value` does not start on a line boundary).
        let mut offset = 0;
        while offset < size {
            // SAFETY: a prefetch never faults and changes nothing the program can observe; SSE,
            // which provides it, is part of every x86-64 processor. The address lies within
            // `value`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset)) };
            offset += 64;
        }
        if size > 0 {
            // SAFETY: as above.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(size - 1)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
