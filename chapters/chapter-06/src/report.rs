//! Turns the experiments' data into the report text and the SVG figures.

use std::fmt::Write;

use crate::digits::{COMPONENTS, ENCODER, FEATURES, HEATMAP_PER_CLASS};
use crate::experiments::Results;
use crate::game::TermValues;
use crate::nets::LEAKY_SLOPE;
use shared::image::{grey_image, tile};
use shared::plot::{Figure, Style};
use shared::report::{Table, fixed, heading};
use shared::{Output, Result};

/// Rows of a trajectory table.
const TABLE_ROWS: usize = 10;

/// Renders the chapter's results: the report text and the SVG figures.
///
/// # Errors
/// A figure that cannot be drawn.
pub fn render(results: &Results) -> Result<Output> {
    let mut report = String::new();
    report.push_str(&heading("Chapter 6: closed-loop transcription (CTRL)"));
    let c = &results.config;
    let _ = writeln!(
        report,
        "seed = {}, device = {}{}\n",
        c.seed,
        c.device,
        if c.quick { ", quick" } else { "" }
    );
    write_toy(&mut report, results);
    write_digits(&mut report, results);
    let d = &results.digits;
    let figures = vec![
        ("toy.svg".to_string(), toy_figure(results)?),
        ("digits_terms.svg".to_string(), digits_figure(results)?),
        (
            "heatmap.svg".to_string(),
            grey_image(
                "|Z^T Zhat| on test digits, sorted by class",
                d.heatmap.view(),
                0.0,
                1.0,
                2,
                &format!("{HEATMAP_PER_CLASS} digits per class; white = 1, black = 0"),
            )?,
        ),
        (
            "reconstructions.svg".to_string(),
            digit_grid(
                "Test digits (odd rows) and g(f(x)) (even rows)",
                &interleave(&d.originals, &d.reconstructions, 10),
                10,
            )?,
        ),
        (
            "decoded.svg".to_string(),
            digit_grid(
                "Decoded from random points of each class's feature subspace (one row per class)",
                &d.decoded,
                d.decoded.len() / 10,
            )?,
        ),
    ];
    Ok(Output { report, figures })
}

/// Rows of `a` and `b`, `per_row` images at a time, alternating.
fn interleave(a: &[Vec<f64>], b: &[Vec<f64>], per_row: usize) -> Vec<Vec<f64>> {
    a.chunks(per_row)
        .zip(b.chunks(per_row))
        .flat_map(|(x, y)| x.iter().chain(y).cloned())
        .collect()
}

fn digit_grid(title: &str, images: &[Vec<f64>], columns: usize) -> Result<String> {
    let side = shared::digits::SIDE;
    let grid = tile(images, side, columns.max(1), 1.0)?;
    grey_image(title, grid.view(), -1.0, 1.0, 2, "")
}

/// `TABLE_ROWS` evenly spaced rounds, the first and the last included.
fn sampled(len: usize) -> Vec<usize> {
    if len == 0 {
        return Vec::new();
    }
    let mut rows: Vec<usize> = (0..TABLE_ROWS)
        .map(|i| i * len.saturating_sub(1) / (TABLE_ROWS - 1).max(1))
        .collect();
    rows.dedup();
    rows
}

fn trajectory_table(out: &mut String, trajectory: &[TermValues]) {
    let mut t = Table::new(["round", "dR(Z)", "dR(Zhat)", "sum_j dR(Z_j, Zhat_j)"]);
    for i in sampled(trajectory.len()) {
        let v = &trajectory[i];
        t.row([
            (i + 1).to_string(),
            fixed(v.expand, 3),
            fixed(v.expand_hat, 3),
            fixed(v.consistency, 3),
        ]);
    }
    let _ = writeln!(out, "{t}");
}

fn write_toy(out: &mut String, r: &Results) {
    out.push_str(&heading("1. A linear game on a union of subspaces"));
    let t = &r.toy;
    let s = &t.setup;
    let _ = writeln!(
        out,
        "{} classes, each a random {}-dimensional subspace of R^{} ({} points, noise {}); encoder\n\
         f(x) = Wx/|Wx| into R^{}, decoder g(z) = Vz; {} full-batch rounds of Adam (lr {}),\n\
         eps^2 = {}, weights (gamma_1, gamma_2, gamma_3) = ({}, {}, {}), without the middle term as in\n\
         the equilibrium analysis of the linear game.\n",
        s.classes,
        s.rank,
        s.ambient,
        s.per_class,
        s.noise,
        s.features,
        s.rounds,
        s.moves.lr,
        s.moves.eps_sq,
        s.moves.gammas[0],
        s.moves.gammas[1],
        s.moves.gammas[2],
    );
    trajectory_table(out, &t.trajectory);
    let last = t.trajectory.last().copied().unwrap_or_default();
    let mut m = Table::new(["measure", "value"]);
    m.row(["dR(Z) reached", &fixed(last.expand, 3)]);
    m.row([
        "dR(Z), orthogonal isotropic classes (theory)",
        &fixed(t.target, 3),
    ]);
    m.row(["sum_j dR(Z_j, Zhat_j) reached", &fixed(last.consistency, 4)]);
    m.row(["mean |z_i^T z_j|, same class", &fixed(t.same_class, 3)]);
    m.row([
        "mean |z_i^T z_j|, different classes",
        &fixed(t.cross_class, 3),
    ]);
    m.row([
        "g(f(x)) off its own class subspace (relative)",
        &fixed(t.residual_own, 3),
    ]);
    m.row([
        "g(f(x)) off the nearest other one (relative)",
        &fixed(t.residual_other, 3),
    ]);
    m.row([
        "g(f(x)) nearest its own class subspace",
        &format!("{:.1}%", 100.0 * t.decoded_in_class),
    ]);
    m.row([
        "|x - g(f(x))| / |x| (not optimized)",
        &fixed(t.reconstruction_error, 3),
    ]);
    m.row(["|g(f(x))| / |x| (f cannot see it)", &fixed(t.scale, 3)]);
    let _ = writeln!(out, "{m}");
    let _ = writeln!(
        out,
        "The same toy with the official weights (1, 1, 1): the decoder also lowers dR(Zhat).\n"
    );
    let mut w = Table::new([
        "weights",
        "dR(Z)",
        "dR(Zhat)",
        "sum_j dR(Z_j, Zhat_j)",
        "in own subspace",
    ]);
    for (name, toy) in [("(1, 0, 1)", t), ("(1, 1, 1)", &r.toy_official)] {
        let last = toy.trajectory.last().copied().unwrap_or_default();
        w.row([
            name.to_string(),
            fixed(last.expand, 3),
            fixed(last.expand_hat, 3),
            fixed(last.consistency, 4),
            format!("{:.1}%", 100.0 * toy.decoded_in_class),
        ]);
    }
    let _ = writeln!(out, "{w}");
}

fn write_digits(out: &mut String, r: &Results) {
    out.push_str(&heading("2. The game on the digits"));
    let c = &r.config;
    let d = &r.digits;
    let hidden: Vec<String> = ENCODER[1..ENCODER.len() - 1]
        .iter()
        .map(|w| w.to_string())
        .collect();
    let _ = writeln!(
        out,
        "{} training / {} test digits, pixels in [-1, 1]. Encoder: MLP 784 -> {} -> {FEATURES}\n\
         (LayerNorm and LeakyReLU({LEAKY_SLOPE}) after each hidden layer), features on the unit sphere;\n\
         decoder: the mirror image, tanh output. {} rounds of {} digits, Adam (lr {}, betas 0.5, 0.999)\n\
         for both players, eps^2 = {}, weights (1, 1, 1) as in the official code. No pixel loss.\n",
        r.sizes.0,
        r.sizes.1,
        hidden.join(" -> "),
        d.trajectory.len(),
        r.batch,
        c.lr,
        c.eps_sq,
    );
    trajectory_table(out, &d.trajectory);
    let mut m = Table::new(["measure (test split)", "value"]);
    m.row(["dR(Z)", &fixed(d.test_terms.expand, 3)]);
    m.row(["dR(Zhat)", &fixed(d.test_terms.expand_hat, 3)]);
    m.row(["sum_j dR(Z_j, Zhat_j)", &fixed(d.test_terms.consistency, 3)]);
    m.row([
        format!("nearest subspace ({COMPONENTS} components) on f(x)"),
        format!("{:.1}%", 100.0 * d.accuracy),
    ]);
    m.row([
        "the same on f(g(f(x)))".to_string(),
        format!("{:.1}%", 100.0 * d.accuracy_hat),
    ]);
    m.row([
        "mean squared pixel error of g(f(x)) (not optimized)".to_string(),
        fixed(d.pixel_mse, 3),
    ]);
    let _ = writeln!(out, "{m}");
}

fn series(trajectory: &[TermValues], term: impl Fn(&TermValues) -> f64) -> Vec<(f64, f64)> {
    trajectory
        .iter()
        .enumerate()
        .map(|(i, v)| ((i + 1) as f64, term(v)))
        .collect()
}

fn terms_figure(title: &str, trajectory: &[TermValues], target: Option<f64>) -> Figure {
    let mut f = Figure::new(title)
        .labels("round", "nats")
        .with_color("dR(Z)", Style::Line, 0, series(trajectory, |v| v.expand))
        .with_color(
            "dR(Zhat)",
            Style::Line,
            1,
            series(trajectory, |v| v.expand_hat),
        )
        .with_color(
            "sum_j dR(Z_j, Zhat_j)",
            Style::Line,
            2,
            series(trajectory, |v| v.consistency),
        );
    if let Some(target) = target {
        let n = trajectory.len().max(1) as f64;
        f = f.with_color(
            "dR(Z), orthogonal isotropic (theory)",
            Style::Dashed,
            0,
            vec![(1.0, target), (n, target)],
        );
    }
    f
}

fn toy_figure(r: &Results) -> Result<String> {
    terms_figure(
        "Linear CTRL on three planes: the terms of the game",
        &r.toy.trajectory,
        Some(r.toy.target),
    )
    .to_svg()
}

fn digits_figure(r: &Results) -> Result<String> {
    terms_figure(
        "CTRL on the digits: the terms of the game",
        &r.digits.trajectory,
        None,
    )
    .to_svg()
}
