//! Time-varying traffic: rate functions λ(t), the M_t/G/∞ offered load from an empty start,
//! and window-by-window approximations of M_t/M/c_t (PSA, SIPP, MOL) with MOL staffing.

mod infinite;
pub(crate) mod quad;
mod rate;
mod window;

pub use infinite::{MtGInf, PoissonCount, ServiceLaw};
pub use rate::RateFn;
pub use window::{MtMc, Target, WindowMethod};
