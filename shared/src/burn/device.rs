//! Where the tensors live: Burn's Flex backend on the CPU, or CUDA when the
//! crate is built with `--features cuda` and the machine has an NVIDIA driver.
//!
//! Every computation of the chapter is generic over `B: AutodiffBackend`;
//! [`on_device`] picks the backend once, at the top.

use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::AutodiffBackend;

use crate::{Error, Result};

/// The device a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Device {
    /// Burn's Flex backend (pure Rust, SIMD and threads).
    Cpu,
    /// Burn's CUDA backend (needs `--features cuda`, an NVIDIA driver and NVRTC).
    Cuda,
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Device::Cpu => "cpu",
            Device::Cuda => "cuda",
        })
    }
}

/// A computation that runs on any autodiff backend.
pub trait Job {
    /// What it returns.
    type Output;
    /// Runs on backend `B` at `device`.
    ///
    /// # Errors
    /// Whatever the job reports.
    fn run<B: AutodiffBackend>(self, device: B::Device) -> Result<Self::Output>;
}

/// The CPU backend: Flex under autodiff.
pub type Cpu = Autodiff<Flex>;

/// Runs `job` on `device`.
///
/// # Errors
/// [`Error::Unavailable`] for CUDA in a build without the `cuda` feature, or
/// on a machine without a usable driver; otherwise the job's errors.
pub fn on_device<J: Job>(device: Device, job: J) -> Result<J::Output> {
    match device {
        Device::Cpu => job.run::<Cpu>(Default::default()),
        Device::Cuda => cuda::run(job),
    }
}

// ANCHOR: in_pool
/// Runs `work` on a worker thread of rayon's global pool, the pool that Burn's
/// CPU backend splits its operations over, and returns its result.
///
/// Called from a thread outside the pool (a program's main thread), each
/// parallel operation is queued for the pool's workers while the caller
/// sleeps until they finish: two thread wake-ups per operation, and a
/// training step runs hundreds of operations. Called from inside, the worker
/// starts on its share at once and the other joins it. On a two-core AMD
/// EPYC this made a CRATE training step 12 to 25% faster (alternating runs
/// with and without it).
///
/// The chapters' binaries and benchmarks run their whole computation this
/// way, one at a time; the library's own functions do not. A worker that waits
/// inside a parallel operation may run another queued job on the same
/// thread, and two Burn autodiff passes interleaved on one thread can deadlock
/// on Burn's graph locks; tests that run concurrently would queue such jobs.
///
/// If nothing has used rayon yet, this builds its pool with [`WORKER_STACK`]
/// per thread (the whole computation now runs on a worker, and rayon's
/// default is 2 MiB); a pool already running keeps its settings. The
/// chapters' binaries call it before any tensor operation.
pub fn in_pool<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    // An error says that the pool exists already (or could not start its
    // threads, which `scope` then reports).
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(WORKER_STACK)
        .build_global();
    rayon::scope(|_| work())
}

/// Stack size of the pool's threads when [`in_pool`] builds it: 8 MiB, a Linux main thread's.
pub const WORKER_STACK: usize = 8 << 20;
// ANCHOR_END: in_pool

#[cfg(not(feature = "cuda"))]
mod cuda {
    use super::*;

    pub fn run<J: Job>(_job: J) -> Result<J::Output> {
        Err(Error::Unavailable {
            what: "--device cuda: this binary was built without CUDA support".into(),
            fix: "rebuild with `--features cuda` (e.g. `cargo run --release -p chapter-05 --features cuda -- --device cuda`), or use --device cpu".into(),
        })
    }
}

#[cfg(feature = "cuda")]
mod cuda {
    use super::*;
    use burn::backend::Cuda;
    use burn::backend::cuda::CudaDevice;

    /// Opens the first library of `names` that loads.
    #[allow(unsafe_code)]
    fn open(names: &[&str]) -> Option<libloading::Library> {
        // SAFETY: loading the NVIDIA driver or NVRTC runs their initializers,
        // which is what using CUDA at all requires.
        names
            .iter()
            .find_map(|n| unsafe { libloading::Library::new(*n) }.ok())
    }

    /// Checks for the driver, a visible GPU and NVRTC without touching Burn
    /// (whose CUDA runtime panics in a worker thread when they are missing).
    #[allow(unsafe_code)]
    fn check() -> std::result::Result<i32, String> {
        let lib = open(&["libcuda.so.1", "libcuda.so"])
            .ok_or("no NVIDIA driver library (libcuda.so.1) found")?;
        let mut count = 0i32;
        // SAFETY: cuInit and cuDeviceGetCount have these C signatures in every
        // CUDA driver API version; `count` outlives the call.
        let rc = unsafe {
            let init: libloading::Symbol<unsafe extern "C" fn(u32) -> i32> =
                lib.get(b"cuInit").map_err(|e| e.to_string())?;
            let get_count: libloading::Symbol<unsafe extern "C" fn(*mut i32) -> i32> =
                lib.get(b"cuDeviceGetCount").map_err(|e| e.to_string())?;
            match init(0) {
                0 => get_count(&mut count),
                rc => rc,
            }
        };
        if rc != 0 {
            return Err(format!("the CUDA driver failed to start (CUresult {rc})"));
        }
        if count == 0 {
            return Err("the CUDA driver sees no GPU".into());
        }
        open(&["libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12"])
            .ok_or("NVRTC (libnvrtc.so) not found; Burn compiles its CUDA kernels with it")?;
        Ok(count)
    }

    pub fn run<J: Job>(job: J) -> Result<J::Output> {
        check().map_err(|what| Error::Unavailable {
            what: format!("--device cuda: {what}"),
            fix: "install the NVIDIA driver and the CUDA toolkit's NVRTC, or use --device cpu"
                .into(),
        })?;
        job.run::<Autodiff<Cuda>>(CudaDevice::new(0))
    }
}
