//! Turns the experiments' data into the report text and the SVG figures.

use std::fmt::Write;

use crate::experiments::{
    self, CLOSED_FORM_STEPS, ClosedForm, Config, Denoising, NOISE_FACTORS, OJA_GAIN, OJA_PASSES,
    RATE_TARGET, RATIOS, RateCheck, Recovery,
};
use shared::plot::{Figure, Style};
use shared::report::{Table, fixed, heading, sci, sci_or_below};
use shared::{Output, Result};

/// Runs every experiment of the chapter for `config`.
///
/// # Errors
/// Invalid `config` (see [`Config::validate`]).
pub fn run(config: &Config) -> Result<Output> {
    config.validate()?;
    let closed = experiments::closed_form()?;
    let rates: Vec<RateCheck> = RATIOS
        .iter()
        .enumerate()
        .map(|(i, &r)| experiments::rate_check(config.dim, r, config.seed.wrapping_add(i as u64)))
        .collect::<Result<_>>()?;
    let data = config.planted_data(config.noise)?;
    let recovery = experiments::recovery(config, &data)?;
    let denoising = NOISE_FACTORS
        .iter()
        .map(|f| experiments::denoising(config, f * config.noise))
        .collect::<Result<Vec<_>>>()?;

    let mut report = String::new();
    write_header(&mut report, config);
    write_closed_form(&mut report, &closed);
    write_rates(&mut report, config, &rates);
    write_recovery(&mut report, config, &recovery);
    write_denoising(&mut report, config, &denoising);
    let figures = vec![
        (
            "power_convergence.svg".to_string(),
            convergence_figure(&rates)?,
        ),
        (
            "spectrum.svg".to_string(),
            spectrum_figure(config, &recovery)?,
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
    for &(step, measured, exact, rayleigh) in &closed.rows {
        t.row([
            step.to_string(),
            sci(measured, 6),
            sci(exact, 6),
            fixed(rayleigh, 7),
        ]);
    }
    debug_assert_eq!(closed.rows.len(), CLOSED_FORM_STEPS.len());
    let _ = writeln!(out, "{t}");
}

fn write_rates(out: &mut String, c: &Config, rates: &[RateCheck]) {
    out.push_str(&heading(
        "1b. Theory check: convergence rate is lambda2/lambda1",
    ));
    let _ = writeln!(
        out,
        "Random {0} x {0} matrices with spectrum (1, r, 0.6 r, 0.36 r, ...); power iteration\n\
         until tan(theta_t) < {1}. Measured rate = geometric-mean contraction of tan(theta_t)\n\
         over the second half of the run.\n",
        c.dim,
        sci(RATE_TARGET, 0)
    );
    let mut t = Table::new([
        "lambda2/lambda1",
        "measured rate",
        "rel. diff",
        "steps",
        "bound on steps",
    ]);
    for r in rates {
        let rel = (r.measured_rate - r.ratio).abs() / r.ratio;
        t.row([
            fixed(r.ratio, 2),
            fixed(r.measured_rate, 5),
            format!("{}%", fixed(100.0 * rel, 2)),
            (r.tangents.len() - 1).to_string(),
            r.predicted_steps.to_string(),
        ]);
    }
    let _ = writeln!(out, "{t}");
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
            m.work.clone(),
            m.to_reference
                .map_or("(reference)".into(), |d| sci_or_below(d, 1e-8)),
            fixed(m.to_truth, 4),
        ]);
    }
    let _ = writeln!(out, "{t}");
    let (predicted, measured) = rec.subspace_rate;
    let _ = writeln!(
        out,
        "Subspace iteration residual contraction per step: {} (predicted lambda_{}/lambda_{} = {})\n",
        fixed(measured, 3),
        c.rank + 1,
        c.rank,
        fixed(predicted, 3)
    );
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
        fig = fig.with_color(format!("r = {}", r.ratio), Style::Line, i, measured);
        let t_end = r.tangents.len() - 1;
        let bound = (0..=t_end)
            .map(|t| (t as f64, r.tangents[0] * r.ratio.powi(t as i32)))
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
