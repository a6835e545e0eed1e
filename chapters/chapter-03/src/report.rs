//! Turns the experiments' data into the report text and the SVG figures.

use std::fmt::Write;

use crate::experiments::{
    CMP_D, CMP_K, CMP_P, CMP_POINTS, Config, ErrorRow, Generation, NEAR, Results, VARIANCE_SAMPLES,
    VE_HORIZON, VarianceRow,
};
use crate::experiments::{LEARN_HIDDEN, LEARN_OPTIONS, LEARN_TEST, LearnedRow};
use crate::process::Process;
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
    out_heading(&mut report);
    write_variance(&mut report, &results.variance);
    write_generation(&mut report, config, &results.generation);
    write_errors(&mut report, &results.errors);
    write_learned(&mut report, &results.learned);
    let figures = vec![
        (
            "denoising_progression.svg".to_string(),
            progression_figure(config, &results.generation)?,
        ),
        (
            "error_vs_noise.svg".to_string(),
            error_figure(&results.errors)?,
        ),
    ];
    Ok(Output { report, figures })
}

fn out_heading(out: &mut String) {
    out.push_str(&heading("Chapter 3: denoising and diffusion"));
    out.push('\n');
}

fn write_variance(out: &mut String, rows: &[VarianceRow]) {
    out.push_str(&heading("1. Sampling N(0, 1) with its exact denoiser"));
    let _ = writeln!(
        out,
        "VP: grid 0.999 -> 0.001, start N(0, 1). VE: uniform grid {VE_HORIZON} -> 0, start N(0, 1 + T^2),\n\
         last step returns the denoiser's output. Closed form: prod cos^2(phi_t - phi_s) with\n\
         phi_t = atan2(sigma_t, alpha_t), derived from the process (-> 1 as L grows, gap O(1/L)).\n\
         Sampler = the sampler's exact gain, squared, times the start variance. Monte Carlo =\n\
         {VARIANCE_SAMPLES} fresh samples per row, with its standard error; z = (MC - closed form) / SE.\n"
    );
    let mut t = Table::new([
        "process",
        "L",
        "closed form",
        "sampler",
        "Monte Carlo +- SE",
        "z",
        "L x (1 - closed form)",
        "limit as L grows",
    ]);
    for r in rows {
        let name = match r.process {
            Process::VariancePreserving => "VP",
            Process::VarianceExploding => "VE",
        };
        t.row([
            name.to_string(),
            r.steps.to_string(),
            fixed(r.closed_form, 6),
            fixed(r.sampler, 6),
            format!(
                "{} +- {}",
                fixed(r.monte_carlo, 4),
                fixed(r.standard_error, 4)
            ),
            fixed((r.monte_carlo - r.closed_form) / r.standard_error, 2),
            fixed(r.steps as f64 * (1.0 - r.closed_form), 3),
            fixed(r.gap_limit, 3),
        ]);
    }
    let _ = writeln!(out, "{t}");
}

fn write_generation(out: &mut String, c: &Config, g: &Generation) {
    out.push_str(&heading(
        "2. Generalization vs memorization: two lines and a plane in R^3",
    ));
    let _ = writeln!(
        out,
        "VP sampler, L = {}, {} samples from the same noise. The memorizing denoiser uses {} training\n\
         points drawn from the mixture. 'Near' means within {NEAR}.\n",
        c.steps, c.samples, c.train
    );
    let mut t = Table::new([
        "denoiser",
        "near the subspaces",
        "median distance to them",
        "near a training point",
        "median distance to training",
        "line / line / plane",
    ]);
    for s in &g.stats {
        let props: Vec<String> = s.proportions.iter().map(|p| fixed(*p, 2)).collect();
        t.row([
            s.name.to_string(),
            format!("{}%", fixed(100.0 * s.near_union, 1)),
            sci_or_below(s.median_union_distance, 1e-6),
            format!("{}%", fixed(100.0 * s.near_training, 1)),
            fixed(s.median_training_distance, 3),
            props.join(" / "),
        ]);
    }
    let _ = writeln!(out, "{t}");
}

fn write_errors(out: &mut String, rows: &[ErrorRow]) {
    out.push_str(&heading(
        "3. Optimal denoiser vs PCA (shrinkage, projection) vs soft thresholding",
    ));
    let _ = writeln!(
        out,
        "Data: {CMP_K} coordinate subspaces of dimension {CMP_P} in R^{CMP_D} (so the points are also\n\
         {CMP_P}-sparse), variance 4 along each direction; {CMP_POINTS} test points, VE noise.\n\
         PCA: chapter 1, rank {}, fit on {CMP_POINTS} clean points; shrinkage multiplies each principal\n\
         coordinate by lambda/(lambda + sigma^2) (the Gaussian MMSE), projection keeps it. Soft threshold:\n\
         chapter 2, tau = sigma sqrt(2 ln D). Mean squared error per point:\n",
        CMP_K * CMP_P
    );
    let mut t = Table::new([
        "sigma",
        "noisy",
        "MMSE (closed form)",
        "PCA shrinkage",
        "PCA projection",
        "soft threshold",
    ]);
    for r in rows {
        t.row([
            fixed(r.sigma, 1),
            fixed(r.identity, 4),
            fixed(r.mmse, 4),
            fixed(r.pca_shrinkage, 4),
            fixed(r.pca_projection, 4),
            fixed(r.soft, 4),
        ]);
    }
    let _ = writeln!(out, "{t}");
}

fn write_learned(out: &mut String, rows: &[LearnedRow]) {
    out.push_str(&heading(
        "4. A denoiser learned from samples, and the memorization risk",
    ));
    let _ = writeln!(
        out,
        "Two lines and a plane again. A ReLU network (1 hidden layer, {LEARN_HIDDEN} units, skip alpha x_t /\n\
         (alpha^2 + sigma^2)) trained by Adam ({} steps, batch {}) on the weighted denoising objective\n\
         w_t ||x - net(t, x_t)||^2, w_t = alpha_t / sigma_t, t uniform on the sampler's grid.\n\
         Errors are mean squared errors on {LEARN_TEST} fresh points, VP, sigma_t = t.\n",
        LEARN_OPTIONS.steps, LEARN_OPTIONS.batch
    );
    let mut t = Table::new([
        "training samples",
        "objective: train",
        "test",
        "t",
        "learned",
        "MMSE",
        "memorizing",
    ]);
    for r in rows {
        for (i, e) in r.errors.iter().enumerate() {
            let first = |v: String| if i == 0 { v } else { String::new() };
            t.row([
                first(r.size.to_string()),
                first(fixed(r.train_objective, 4)),
                first(fixed(r.test_objective, 4)),
                fixed(e.time, 2),
                sci(e.learned, 2),
                sci(e.mmse, 2),
                sci(e.memorizing, 2),
            ]);
        }
    }
    let _ = writeln!(out, "{t}");
    let mut t = Table::new([
        "sampling with the network",
        "near the subspaces",
        "median distance to them",
        "near a training point",
        "median distance to training",
    ]);
    for r in rows {
        let s = &r.sampling;
        t.row([
            format!("trained on {}", r.size),
            format!("{}%", fixed(100.0 * s.near_union, 1)),
            fixed(s.median_union_distance, 3),
            format!("{}%", fixed(100.0 * s.near_training, 1)),
            fixed(s.median_training_distance, 3),
        ]);
    }
    let _ = write!(out, "{t}");
}

fn progression_figure(c: &Config, g: &Generation) -> Result<String> {
    let project = |x: &ndarray::Array2<f64>| -> Vec<(f64, f64)> {
        g.view
            .t()
            .dot(x)
            .columns()
            .into_iter()
            .map(|p| (p[0], p[1]))
            .collect()
    };
    // One panel per step on shared axes, so the stages compare side by side.
    let panels: Vec<Figure> = g
        .snapshots
        .iter()
        .map(|snap| {
            Figure::new(format!("step {} of {}", snap.step, c.steps))
                .labels("along the first line", "across the plane")
                .with_color("samples", Style::Points, 0, project(&snap.points))
                .with_color("training points", Style::Points, 1, project(&g.training))
        })
        .collect();
    shared::plot::small_multiples(
        "Closed-form sampler: the samples as the steps go",
        &panels,
        panels.len(),
    )
}

fn error_figure(rows: &[ErrorRow]) -> Result<String> {
    let series = |f: fn(&ErrorRow) -> f64| rows.iter().map(|r| (r.sigma, f(r))).collect::<Vec<_>>();
    Figure::new("Denoising error vs noise level")
        .labels("sigma", "mean squared error per point")
        .log_x()
        .log_y()
        .with(
            "noisy input (D sigma^2)",
            Style::Dashed,
            series(|r| r.identity),
        )
        .with("MMSE (closed form)", Style::Line, series(|r| r.mmse))
        .with(
            "PCA shrinkage (ch. 1)",
            Style::Line,
            series(|r| r.pca_shrinkage),
        )
        .with(
            "PCA projection (ch. 1)",
            Style::Dashed,
            series(|r| r.pca_projection),
        )
        .with("soft threshold (ch. 2)", Style::Line, series(|r| r.soft))
        .to_svg()
}
