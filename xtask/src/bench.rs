//! `cargo xtask bench-compare`: our benchmarks next to Python mirrors of the
//! same workloads, on the same inputs and thread count, in one table.
//!
//! For each workload the Rust criterion bench runs first with
//! `DRL_BENCH_DUMP=DIR`, so it writes its inputs (and what it computed from
//! them) to `DIR`; the Python mirror under `bench/` reads them, checks that
//! it computes the same answer within its stated tolerance, and times
//! itself. Our time is criterion's median, read from
//! `target/criterion/**/new/estimates.json`. The table goes to stdout and to
//! `book/generated/performance/table.md`, which the book's Performance page
//! includes; nothing else regenerates it.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// The flags of `cargo xtask bench-compare`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Threads on each side: `RAYON_NUM_THREADS` for the Rust benches,
    /// `--threads`, `OMP_NUM_THREADS` and `MKL_NUM_THREADS` for the Python mirrors.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = positive)]
    pub(crate) threads: usize,
    /// The Python 3 that creates the mirrors' virtual environment (`target/bench-venv`).
    #[arg(long, value_name = "PYTHON", default_value = "python3")]
    pub(crate) python: String,
}

/// `--threads`' value: an integer of at least 1.
fn positive(value: &str) -> Result<usize, String> {
    value
        .parse()
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| "must be a positive integer".to_string())
}

/// One workload: a criterion bench and its Python mirror.
struct Workload {
    /// Row label.
    name: &'static str,
    /// Package and bench target of the Rust side.
    package: &'static str,
    bench: &'static str,
    /// Criterion's group and function ids.
    group: &'static str,
    function: &'static str,
    /// Items per iteration, and what they are.
    items: f64,
    unit: &'static str,
    /// The Python mirror, relative to `bench/`, and its baseline's name (a
    /// mirror that tries several methods names the fastest in its output).
    script: &'static str,
    baseline: &'static str,
    /// Extra arguments of the mirror.
    args: &'static [&'static str],
    /// Floating-point work per iteration in GFLOP where it is one dense
    /// product (for the rate and the share of the matmul ceiling).
    gflop: Option<f64>,
}

/// Criterion's id of the f64 ceiling, against which rates are shared out.
const F64_CEILING: (&str, &str) = ("matmul 1024 x 1024 x 1024", "f64, ndarray (matrixmultiply)");

/// Criterion's group of the f32 products at the Burn chapters' shapes.
const SHAPES_GROUP: &str = "matmul f32 at the Burn chapters' shapes";

/// The workload of one product `[m, k, n]` of `benches/matmul.rs`'s `SHAPES`
/// (criterion id `function`), against `bench/matmul.py` with `args`.
const fn shape(
    name: &'static str,
    function: &'static str,
    args: &'static [&'static str],
    [m, k, n]: [usize; 3],
) -> Workload {
    Workload {
        name,
        package: "chapter-05",
        bench: "matmul",
        group: SHAPES_GROUP,
        function,
        items: 1.0,
        unit: "products",
        script: "matmul.py",
        baseline: "fastest of NumPy and PyTorch",
        args,
        gflop: Some(2.0 * (m * k * n) as f64 / 1e9),
    }
}

const WORKLOADS: &[Workload] = &[
    Workload {
        name: "matmul ceiling: f64, 1024 x 1024 x 1024 (ndarray's matrixmultiply, chapters 1-4)",
        package: "chapter-05",
        bench: "matmul",
        group: F64_CEILING.0,
        function: F64_CEILING.1,
        items: 1.0,
        unit: "products",
        script: "matmul.py",
        baseline: "NumPy BLAS",
        args: &["--precision", "f64"],
        gflop: Some(2.0 * 1024.0 * 1024.0 * 1024.0 / 1e9),
    },
    Workload {
        name: "matmul ceiling: f32, 1024 x 1024 x 1024 (Burn Flex's gemm, chapters 5-6)",
        package: "chapter-05",
        bench: "matmul",
        group: "matmul 1024 x 1024 x 1024",
        function: "f32, Burn Flex (gemm)",
        items: 1.0,
        unit: "products",
        script: "matmul.py",
        baseline: "NumPy BLAS",
        args: &["--precision", "f32"],
        gflop: Some(2.0 * 1024.0 * 1024.0 * 1024.0 / 1e9),
    },
    shape(
        "matmul f32 at chapter 5's shapes: a CRATE linear layer, 2176 x 128 x 128 (128 images x 17 tokens)",
        "crate_linear",
        &["--precision", "f32", "--shape", "crate_linear"],
        [2176, 128, 128],
    ),
    shape(
        "matmul f32: its weight gradient X^T G, 128 x 2176 x 128 (left factor transposed)",
        "crate_weight_gradient",
        &["--precision", "f32", "--shape", "crate_weight_gradient"],
        [128, 2176, 128],
    ),
    shape(
        "matmul f32 at chapter 6's shapes: the CTRL encoder's first layer, 500 x 784 x 512",
        "ctrl_first_layer",
        &["--precision", "f32", "--shape", "ctrl_first_layer"],
        [500, 784, 512],
    ),
    shape(
        "matmul f32: its weight gradient X^T G, 784 x 500 x 512 (left factor transposed)",
        "ctrl_first_layer_weight_gradient",
        &[
            "--precision",
            "f32",
            "--shape",
            "ctrl_first_layer_weight_gradient",
        ],
        [784, 500, 512],
    ),
    Workload {
        name: "chapter 1: PCA, top 10 of 256 x 20000 (ten planted spikes + noise), input the transposed view of an N x D array",
        package: "chapter-01",
        bench: "pca",
        group: "pca_256x20000_top10",
        function: "transposed_view",
        items: 20000.0,
        unit: "samples",
        script: "pca.py",
        baseline: "fastest of NumPy covariance + eigh and scikit-learn PCA",
        args: &[],
        gflop: Some(2.0 * 256.0 * 256.0 * 20000.0 / 1e9),
    },
    Workload {
        name: "chapter 1: the same PCA, input a row-major D x N array",
        package: "chapter-01",
        bench: "pca",
        group: "pca_256x20000_top10",
        function: "row_major",
        items: 20000.0,
        unit: "samples",
        script: "pca.py",
        baseline: "fastest of NumPy covariance + eigh and scikit-learn PCA",
        args: &[],
        gflop: Some(2.0 * 256.0 * 256.0 * 20000.0 / 1e9),
    },
    Workload {
        name: "chapter 2: batched LASSO, A 256 x 512, 1000 signals, lambda 0.05, to relative gap 1e-6",
        package: "chapter-02",
        bench: "fista",
        group: "lasso_256x512_1000_signals",
        function: "fista_to_gap_1e-6",
        items: 1000.0,
        unit: "signals",
        script: "lasso.py",
        baseline: "fastest of scikit-learn sparse_encode and NumPy FISTA",
        args: &[],
        gflop: None,
    },
    Workload {
        name: "chapter 3: DDIM sampler, 100 steps, mixture of five rank-4 Gaussians in R^64 (+1e-4 I), 2000 samples, closed-form low-rank denoiser",
        package: "chapter-03",
        bench: "sampler",
        group: "diffusion_d64_k5_rank4",
        function: "ddim_100_steps_2000_samples",
        items: 2000.0,
        unit: "samples",
        script: "diffusion.py",
        baseline: "fastest of NumPy and PyTorch low-rank closed forms",
        args: &[],
        gflop: None,
    },
    Workload {
        name: "chapter 4: rate reduction R, R_c and the gradient of Delta R, d 128, m 2000 unit features, 10 classes, f64",
        package: "chapter-04",
        bench: "rate",
        group: "rates_with_grad (d 128, m 2000, k 10)",
        function: "",
        items: 2000.0,
        unit: "features",
        script: "mcr2.py",
        baseline: "fastest of NumPy/SciPy closed form and PyTorch autograd",
        args: &[],
        gflop: None,
    },
    Workload {
        name: "chapter 5: CRATE training step, the library's (forward, smoothed cross-entropy, backward, clipped AdamW), digits preset (dim 128, depth 4, 4 heads), batch 128, f32",
        package: "chapter-05",
        bench: "step",
        group: "crate digits, batch 128",
        function: "train step (forward, loss, backward, AdamW)",
        items: 128.0,
        unit: "images",
        script: "crate.py",
        baseline: "PyTorch",
        args: &["--mode", "train"],
        gflop: None,
    },
    Workload {
        name: "chapter 5: CRATE inference (forward of the eval model), same model and batch",
        package: "chapter-05",
        bench: "step",
        group: "crate digits, batch 128",
        function: "inference (valid model, forward)",
        items: 128.0,
        unit: "images",
        script: "crate.py",
        baseline: "PyTorch",
        args: &["--mode", "infer"],
        gflop: None,
    },
    Workload {
        name: "chapter 6: one CTRL round (encoder + decoder step), 500 digits",
        package: "chapter-06",
        bench: "round",
        group: "ctrl digits, batch 500",
        function: "round (encoder step, decoder step)",
        items: 500.0,
        unit: "images",
        script: "ctrl.py",
        baseline: "PyTorch (autograd, torch.logdet)",
        args: &[],
        gflop: None,
    },
];

/// A measured row.
struct Row<'a> {
    workload: &'a Workload,
    ours_s: f64,
    theirs_s: f64,
    check: String,
    /// The baseline that was timed, with its version.
    baseline: String,
}

/// `cargo xtask bench-compare`: runs every workload on both sides, prints the
/// table and writes it to `book/generated/performance/table.md`.
pub fn run(args: &Args) -> Result<()> {
    let threads = args.threads;
    let root = crate::workspace_root();
    let venv = venv(&root, &args.python)?;
    let mut rows = Vec::new();
    // Workloads that share a bench (one input, two layouts) run it and its
    // mirror once: criterion times every function of the bench in one run.
    let mut mirrored: std::collections::HashMap<(&str, &[&str]), Value> = Default::default();
    let mut benched = std::collections::HashSet::new();
    for w in WORKLOADS {
        let dump = root.join("target/bench-compare").join(w.bench);
        std::fs::create_dir_all(&dump)?;
        if let Some(json) = mirrored.get(&(w.script, w.args)) {
            let ours_s = criterion_median(&root, w.group, w.function)?;
            rows.push(row(w, ours_s, json));
            continue;
        }
        if benched.insert((w.package, w.bench)) {
            eprintln!(
                "== {}: cargo bench -p {} --bench {}",
                w.name, w.package, w.bench
            );
            let status = Command::new(env!("CARGO"))
                .args(["bench", "-p", w.package, "--bench", w.bench])
                .env("DRL_BENCH_DUMP", &dump)
                .env("RAYON_NUM_THREADS", threads.to_string())
                .current_dir(&root)
                .status()
                .context("running cargo bench")?;
            if !status.success() {
                bail!("cargo bench -p {} --bench {} failed", w.package, w.bench);
            }
        }
        let ours_s = criterion_median(&root, w.group, w.function)?;
        eprintln!("== {}: bench/{} (Python)", w.name, w.script);
        let out = Command::new(venv.join("bin/python"))
            .arg(root.join("bench").join(w.script))
            .args(["--check".as_ref(), dump.as_os_str()])
            .args(["--threads", &threads.to_string()])
            .args(w.args)
            .env("OMP_NUM_THREADS", threads.to_string())
            .env("MKL_NUM_THREADS", threads.to_string())
            .output()
            .with_context(|| format!("running bench/{}", w.script))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let json: Value = stdout
            .lines()
            .rev()
            .find_map(|l| serde_json::from_str(l).ok())
            .with_context(|| {
                format!(
                    "bench/{} printed no JSON result; its stderr:\n{}",
                    w.script,
                    String::from_utf8_lossy(&out.stderr)
                )
            })?;
        let check = &json["check"];
        if check["ok"] != Value::Bool(true) || json["median_s"].as_f64().is_none() {
            bail!(
                "{}: the Python mirror computed a different answer ({check}); the timing would compare different work",
                w.name
            );
        }
        rows.push(row(w, ours_s, &json));
        mirrored.insert((w.script, w.args), json);
    }
    let table = render(&rows, threads);
    println!("{table}");
    let out = root.join("book/generated/performance");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("table.md"), &table)?;
    eprintln!("wrote {}", out.join("table.md").display());
    Ok(())
}

/// The table row of `w` from our median and the mirror's JSON (checked).
fn row<'a>(w: &'a Workload, ours_s: f64, json: &Value) -> Row<'a> {
    let check = &json["check"];
    Row {
        workload: w,
        ours_s,
        theirs_s: json["median_s"].as_f64().unwrap_or(f64::NAN),
        check: format!(
            "max rel. diff {:.1e} (tol. {:.0e})",
            check["max_rel_err"].as_f64().unwrap_or(f64::NAN),
            check["tolerance"].as_f64().unwrap_or(f64::NAN)
        ),
        baseline: match (json["baseline"].as_str(), json["torch"].as_str()) {
            (Some(b), _) => b.to_string(),
            (None, Some(v)) => format!("{} {v}", w.baseline),
            (None, None) => w.baseline.to_string(),
        },
    }
}

/// A virtual environment under `target/bench-venv` that sees the system's
/// packages, with `bench/requirements.txt` installed (pins already present
/// are not downloaded).
fn venv(root: &Path, python: &str) -> Result<PathBuf> {
    let venv = root.join("target/bench-venv");
    if !venv.join("bin/python").exists() {
        let status = Command::new(python)
            .args(["-m", "venv", "--system-site-packages"])
            .arg(&venv)
            .status()
            .with_context(|| format!("running {python} -m venv (is Python 3 installed?)"))?;
        if !status.success() {
            bail!("{python} -m venv failed (on Debian: apt install python3-venv)");
        }
    }
    let status = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(root.join("bench/requirements.txt"))
        .status()
        .context("running pip")?;
    if !status.success() {
        bail!("pip install -r bench/requirements.txt failed");
    }
    Ok(venv)
}

/// Criterion's median (seconds) for `group/function`, found through the
/// `benchmark.json` it writes next to each estimate.
fn criterion_median(root: &Path, group: &str, function: &str) -> Result<f64> {
    let base = root.join("target/criterion");
    for entry in walk(&base)? {
        if entry.file_name().is_some_and(|n| n == "benchmark.json")
            && entry.parent().is_some_and(|p| p.ends_with("new"))
        {
            let id: Value = serde_json::from_str(&std::fs::read_to_string(&entry)?)?;
            // A benchmark outside a group has no function id.
            let function_id = id["function_id"].as_str().unwrap_or("");
            if id["group_id"] == group && function_id == function {
                let est: Value = serde_json::from_str(&std::fs::read_to_string(
                    entry.with_file_name("estimates.json"),
                )?)?;
                let ns = est["median"]["point_estimate"]
                    .as_f64()
                    .context("estimates.json has no median")?;
                return Ok(ns * 1e-9);
            }
        }
    }
    bail!(
        "no criterion result for `{group}/{function}` under {}",
        base.display()
    )
}

fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    Ok(out)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn render(rows: &[Row], threads: usize) -> String {
    let mut s = format!(
        "Measured by `cargo xtask bench-compare` on {} ({} threads on each side; logical CPUs on the machine: {}).\n\n",
        cpu_model(),
        threads,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    // Our f64 matrix-multiply rate, against which dense workloads are set.
    let ceiling = rows
        .iter()
        .find(|r| (r.workload.group, r.workload.function) == F64_CEILING)
        .and_then(|r| r.workload.gflop.map(|g| g / r.ours_s));
    s.push_str("| workload | ours | baseline | ratio (our time / theirs) | our GFLOP/s (share of our f64 ceiling) | same answer |\n|---|---|---|---|---|---|\n");
    for r in rows {
        let w = r.workload;
        let unit = w.unit;
        // The f32 ceiling is shown as a rate only: a share of the f64 one means nothing.
        let f64_work = !w.args.contains(&"f32");
        let rate = match (w.gflop, ceiling) {
            (Some(g), Some(c)) if f64_work => {
                format!("{:.1} ({:.0}%)", g / r.ours_s, 100.0 * g / r.ours_s / c)
            }
            (Some(g), _) => format!("{:.1}", g / r.ours_s),
            (None, _) => "-".into(),
        };
        s.push_str(&format!(
            "| {} | {} ({:.0} {unit}/s) | {}: {} ({:.0} {unit}/s) | **{:.2}** | {rate} | {} |\n",
            w.name,
            millis(r.ours_s),
            w.items / r.ours_s,
            r.baseline,
            millis(r.theirs_s),
            w.items / r.theirs_s,
            r.ours_s / r.theirs_s,
            r.check
        ));
    }
    s
}

/// Seconds as milliseconds, with two decimals below 10 ms (the products at
/// the chapters' shapes take about one).
fn millis(seconds: f64) -> String {
    let ms = seconds * 1e3;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.1} ms")
    }
}
