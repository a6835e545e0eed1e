//! Turns the experiments' data into the report text and the SVG figures.

use std::fmt::Write;

use crate::experiments::{
    CLUSTER_SIZE, ClosedForm, Config, Denoising, OJA_GAIN, OJA_PASSES, RATE_TARGET, RateCheck,
    Recovery, Results, Work,
};
use shared::plot::{Figure, Style};
use shared::report::{Table, fixed, heading, sci, sci_or_below};
use shared::{Output, Result};

/// Renders the chapter's results: the report text and the SVG figures.
///
/// # Errors
/// A figure that cannot be drawn.
pub fn render(results: &Results) -> Result<Output> {
    let config = &results.config;
    let mut report = String::new();
    write_header(&mut report, config);
    write_closed_form(&mut report, &results.closed_form);
    write_rates(&mut report, config, &results.rates);
    write_recovery(&mut report, config, &results.recovery);
    write_denoising(&mut report, config, &results.denoising);
    let figures = vec![
        (
            "power_convergence.svg".to_string(),
            convergence_figure(&results.rates)?,
        ),
        (
            "spectrum.svg".to_string(),
            spectrum_figure(config, &results.recovery)?,
        ),
    ];
    Ok(Output { report, figures })
}

fn write_header(out: &mut String, c: &Config) {
    out.push_str(&heading("Chapter 1: PCA by power iteration"));
    let _ = writeln!(
        out,
        "D = {}, d = {}, N = {}, sigma = {}, seed = {}\n",
        c.dim, c.rank, c.samples, c.noise, c.seed
    );
}

fn write_closed_form(out: &mut String, closed: &ClosedForm) {
    out.push_str(&heading(
        "1a. Closed form: M = diag(3, 2, 1), v0 = (1, 1, 1)/sqrt(3)",
    ));
    out.push_str("tan(theta_t) to e1 must equal sqrt(4^t + 1) / 3^t exactly.\n\n");
    let mut t = Table::new(["t", "tan theta_t", "exact", "Rayleigh quotient"]);
    for row in &closed.rows {
        t.row([
            row.step.to_string(),
            sci(row.tangent, 6),
            sci(row.exact, 6),
            fixed(row.rayleigh, 7),
        ]);
    }
    let _ = writeln!(out, "{t}");
}

fn write_rates(out: &mut String, c: &Config, rates: &[RateCheck]) {
    out.push_str(&heading(
        "1b. Theory check: convergence rate is lambda2/lambda1",
    ));
    let _ = writeln!(
        out,
        "Random {0} x {0} matrices. Geometric spectrum: (1, r, 0.6 r, 0.36 r, ...). Clustered:\n\
         (1, r, 0.99 r, ..., 0.90 r, then 0.5 r, 0.3 r, ...), {1} eigenvalues just below lambda2.\n\
         Power iteration until tan(theta_t) < {2}. Rate = geometric-mean contraction of\n\
         tan(theta_t) over the second half of the run; \"exact\" = the same from\n\
         tan(theta_t) = ||(c_j (lambda_j/lambda_1)^t)_(j>=2)|| / |c_1|, c = Q^T v0.\n",
        c.dim,
        CLUSTER_SIZE - 1,
        sci(RATE_TARGET, 0)
    );
    let mut t = Table::new([
        "spectrum",
        "lambda2/lambda1",
        "measured rate",
        "exact rate",
        "rel. diff to r",
        "steps",
        "bound on steps",
    ]);
    for r in rates {
        let rel = (r.measured_rate - r.ratio()).abs() / r.ratio();
        t.row([
            r.spectrum.kind().to_string(),
            fixed(r.ratio(), 2),
            fixed(r.measured_rate, 5),
            fixed(r.window_rate, 5),
            format!("{}%", fixed(100.0 * rel, 2)),
            format!(
                "{}{}",
                r.tangents.len() - 1,
                if r.reached_target { "" } else { " (cap)" }
            ),
            r.predicted_steps.to_string(),
        ]);
    }
    let _ = writeln!(out, "{t}");
    let mut t = Table::new([
        "spectrum", "t = 1", "t = 10", "t = 50", "t = 100", "t = 200",
    ]);
    for r in rates.iter().filter(|r| r.ratio() == 0.9) {
        let mut row = vec![r.spectrum.kind().to_string()];
        row.extend(
            [1, 10, 50, 100, 200].map(|s| r.local_rate(s).map_or("-".into(), |v| fixed(v, 4))),
        );
        t.row(row);
    }
    let _ = writeln!(
        out,
        "Local rate tan(theta_(t+1)) / tan(theta_t) at r = 0.9:\n\n{t}"
    );
}

fn write_recovery(out: &mut String, c: &Config, rec: &Recovery) {
    out.push_str(&heading("2. Recovering a planted subspace"));
    let variances: Vec<String> = c.variances().iter().map(|v| fixed(*v, 0)).collect();
    let _ = writeln!(
        out,
        "x = U z + sigma g with latent variances ({}); covariance eigenvalues are\n\
         about lambda_i + sigma^2. Distances are ||(I - A A^T) B||_F between subspaces.\n\
         Oja: gain {}, {} passes.\n",
        variances.join(", "),
        OJA_GAIN,
        OJA_PASSES
    );
    let mut t = Table::new([
        "method",
        "eigenvalues",
        "work",
        "to nalgebra",
        "to planted U",
    ]);
    for m in &rec.methods {
        let values: Vec<String> = m.values.iter().map(|v| fixed(*v, 3)).collect();
        let values = if values.is_empty() {
            "-".to_string()
        } else {
            values.join(" ")
        };
        t.row([
            m.name.to_string(),
            values,
            work(m.work),
            m.to_reference
                .map_or("(reference)".into(), |d| sci_or_below(d, 1e-8)),
            fixed(m.to_truth, 4),
        ]);
    }
    let _ = writeln!(out, "{t}");
    let _ = writeln!(
        out,
        "First-order prediction of the distance to U: {}\n",
        fixed(rec.predicted_to_truth, 4)
    );
    let rate = &rec.subspace_rate;
    let mut t = Table::new(["subspace iteration rate", "value"]);
    t.row([
        "model: sigma^2 (1 + sqrt(D/N))^2 / spike".into(),
        fixed(rate.model, 3),
    ]);
    t.row([
        format!(
            "sample lambda_{}/lambda_{} (asymptotic)",
            c.rank + 1,
            c.rank
        ),
        fixed(rate.asymptotic, 3),
    ]);
    t.row([
        "sample spectrum, same window (transient)".into(),
        fixed(rate.window, 3),
    ]);
    t.row([
        "measured (residual, second half)".into(),
        fixed(rate.measured, 3),
    ]);
    let _ = writeln!(out, "{t}");
}

fn work(w: Work) -> String {
    let note = |converged: bool| if converged { "" } else { " (NOT converged)" };
    match w {
        Work::Matvecs { count, converged } => format!("{count} matvecs{}", note(converged)),
        Work::BlockSteps {
            steps,
            width,
            converged,
        } => format!("{steps} x {width} matvecs{}", note(converged)),
        Work::Samples(n) => format!("{n} samples"),
        Work::Dense => "dense".into(),
    }
}

fn write_denoising(out: &mut String, c: &Config, rows: &[Denoising]) {
    out.push_str(&heading("3. PCA as denoising"));
    let _ = writeln!(
        out,
        "Mean squared distance to the clean signal U z, before and after projecting onto\n\
         the learned {}-dimensional subspace. Theory: D sigma^2 before, d sigma^2 after.\n",
        c.rank
    );
    let mut t = Table::new([
        "sigma",
        "before",
        "D sigma^2",
        "after",
        "d sigma^2",
        "reduction",
    ]);
    for r in rows {
        t.row([
            fixed(r.noise, 3),
            fixed(r.before, 4),
            fixed(r.predicted_before, 4),
            fixed(r.after, 4),
            fixed(r.predicted_after, 4),
            format!("{}x", fixed(r.before / r.after, 1)),
        ]);
    }
    let _ = write!(out, "{t}");
}

fn convergence_figure(rates: &[RateCheck]) -> Result<String> {
    let mut fig = Figure::new("Power iteration: tan(theta_t) vs t")
        .labels("iteration t", "tan(theta_t)")
        .log_y();
    for (i, r) in rates.iter().enumerate() {
        let measured = r
            .tangents
            .iter()
            .enumerate()
            .map(|(t, v)| (t as f64, *v))
            .collect();
        let name = format!("{} r = {}", r.spectrum.kind(), r.ratio());
        fig = fig.with_color(name, Style::Line, i, measured);
        let t_end = r.tangents.len() - 1;
        let bound = (0..=t_end)
            .map(|t| (t as f64, r.tangents[0] * r.ratio().powi(t as i32)))
            .collect();
        let label = if i == 0 {
            "dashed: bound r^t tan(theta_0)"
        } else {
            ""
        };
        fig = fig.with_color(label, Style::Dashed, i, bound);
    }
    fig.to_svg()
}

fn spectrum_figure(c: &Config, rec: &Recovery) -> Result<String> {
    let shown = rec.spectrum.len().min(4 * c.rank + 8);
    let points = rec.spectrum[..shown]
        .iter()
        .enumerate()
        .map(|(i, v)| ((i + 1) as f64, *v))
        .collect();
    let noise = c.noise * c.noise;
    Figure::new("Spectrum of the sample covariance")
        .labels("index i", "eigenvalue")
        .log_y()
        .with("eigenvalues", Style::Points, points)
        .with(
            "sigma^2",
            Style::Dashed,
            vec![(1.0, noise), (shown as f64, noise)],
        )
        .to_svg()
}
