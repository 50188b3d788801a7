//! Time-varying traffic: rate functions λ(t), the M_t/G/∞ offered load from an empty start,
//! window-by-window approximations of M_t/M/c_t (PSA, SIPP, MOL) with MOL staffing, and
//! M_t/M/c+M from empty solved by its forward equations.

mod infinite;
pub(crate) mod quad;
mod rate;
mod transient;
mod window;

pub use infinite::{MtGInf, PoissonCount, ServiceLaw};
pub use rate::RateFn;
pub use transient::{MtMcTransient, TransientWindow};
pub use window::{MtMc, Target, WindowMethod};
