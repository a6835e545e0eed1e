//! Turns the experiments' data into the report text and the SVG figures.

use std::fmt::Write;

use crate::experiments::{ASCENT_ETA, ASCENT_SIZES, AscentRun, OptimumRow, ReduNetRun, Results};
use crate::optima::Arrangement;
use crate::rate::bits;
use shared::plot::{Figure, Style};
use shared::report::{Table, fixed, heading, sci};
use shared::{Output, Result};

/// Renders the chapter's results: the report text and the SVG figures.
///
/// # Errors
/// A figure that cannot be drawn.
pub fn render(results: &Results) -> Result<Output> {
    let mut report = String::new();
    report.push_str(&heading("Chapter 4: maximal coding rate reduction (MCR^2)"));
    let _ = writeln!(
        report,
        "eps^2 = {}, seed = {}{}\n",
        results.config.eps,
        results.config.seed,
        if results.config.quick { ", quick" } else { "" }
    );
    write_optima(&mut report, results.config.eps, &results.optima);
    write_ascent(&mut report, results.config.eps, &results.ascent);
    write_redunet(&mut report, &results.redunet);
    let figures = vec![
        (
            "rate_ascent.svg".to_string(),
            ascent_figure(&results.ascent)?,
        ),
        (
            "redunet_layers.svg".to_string(),
            redunet_figure(&results.redunet)?,
        ),
    ];
    Ok(Output { report, figures })
}

fn write_optima(out: &mut String, eps: f64, rows: &[OptimumRow]) {
    out.push_str(&heading(
        "1. Closed-form rate reductions: collapsed vs isotropic classes",
    ));
    let _ = writeln!(
        out,
        "k equal classes of unit vectors, orthogonal across classes; eps^2 = {eps}. Collapsed: each class\n\
         on one axis. Isotropic: each class spread over its own d/k axes. Formula vs the rates computed\n\
         from the features (nats; Delta R also in bits).\n"
    );
    let mut t = Table::new([
        "d",
        "k",
        "classes",
        "R formula",
        "R computed",
        "R_c formula",
        "R_c computed",
        "Delta R",
        "bits",
    ]);
    for r in rows {
        let name = match r.arrangement {
            Arrangement::Collapsed => "collapsed",
            Arrangement::Isotropic => "isotropic",
        };
        let delta = r.computed.0 - r.computed.1;
        t.row([
            r.d.to_string(),
            r.k.to_string(),
            name.to_string(),
            fixed(r.formula.0, 6),
            fixed(r.computed.0, 6),
            fixed(r.formula.1, 6),
            fixed(r.computed.1, 6),
            fixed(delta, 6),
            fixed(bits(delta), 3),
        ]);
    }
    let _ = writeln!(out, "{t}");
}

fn write_ascent(out: &mut String, eps: f64, runs: &[AscentRun]) {
    let (d, k, per) = ASCENT_SIZES;
    out.push_str(&heading(
        "2. Projected gradient ascent on Delta R, features on the sphere",
    ));
    let _ = writeln!(
        out,
        "d = {d}, k = {k} classes of {per}, eps^2 = {eps}, step {ASCENT_ETA}. Class ranks: singular values above\n\
         1e-3 of the largest. Closed form: Delta R of orthogonal classes spread evenly over those ranks.\n"
    );
    let mut t = Table::new([
        "start",
        "step 0",
        "step 10",
        "step 100",
        "last",
        "class ranks",
        "closed form",
        "coherence",
    ]);
    for r in runs {
        let h = &r.ascent.history;
        let at = |s: usize| h.get(s).map_or("-".into(), |v| fixed(*v, 4));
        let ranks: Vec<String> = r.ranks.iter().map(|p| p.to_string()).collect();
        t.row([
            r.start.to_string(),
            at(0),
            at(10),
            at(100),
            fixed(*h.last().unwrap_or(&f64::NAN), 6),
            ranks.join("/"),
            fixed(r.ranks_closed_form, 6),
            sci(r.coherence, 1),
        ]);
    }
    let _ = writeln!(out, "{t}");
    if let Some(r) = runs.first() {
        let _ = writeln!(
            out,
            "Isotropic optimum (rank d/k = {} for every class): {}\n",
            d / k,
            fixed(r.optimum, 6)
        );
    }
}

fn write_redunet(out: &mut String, runs: &[ReduNetRun]) {
    out.push_str(&heading(
        "3. ReduNet: every layer a gradient step on Delta R, no backpropagation",
    ));
    let _ = writeln!(
        out,
        "Layers built from the training features; test points use the soft memberships\n\
         softmax(-lambda ||C_j z||), which also classify them.\n"
    );
    let mut t = Table::new([
        "data",
        "d / k / train / test",
        "eps^2, eta, lambda",
        "layers",
        "Delta R first",
        "last",
        "optimum",
        "train acc.",
        "test acc.",
        "test acc. at input",
    ]);
    for r in runs {
        let (d, k, m, n) = r.sizes;
        let (e, eta, l) = r.settings;
        t.row([
            r.data.to_string(),
            format!("{d} / {k} / {m} / {n}"),
            format!("{e}, {eta}, {l}"),
            (r.history.len() - 1).to_string(),
            fixed(r.history[0], 4),
            fixed(*r.history.last().unwrap_or(&f64::NAN), 6),
            r.optimum.map_or("-".into(), |v| fixed(v, 6)),
            format!("{}%", fixed(100.0 * r.train_accuracy, 1)),
            format!("{}%", fixed(100.0 * r.test_accuracy, 1)),
            format!("{}%", fixed(100.0 * r.test_accuracy_at_input, 1)),
        ]);
    }
    let _ = write!(out, "{t}");
}

fn ascent_figure(runs: &[AscentRun]) -> Result<String> {
    let mut fig =
        Figure::new("Projected gradient ascent on Delta R").labels("step", "Delta R (nats)");
    for (i, r) in runs.iter().enumerate() {
        let pts = r
            .ascent
            .history
            .iter()
            .enumerate()
            .map(|(s, v)| (s as f64, *v))
            .collect();
        fig = fig.with_color(r.start, Style::Line, i, pts);
    }
    if let Some(r) = runs.first() {
        let n = r.ascent.history.len() as f64;
        fig = fig.with_color(
            "isotropic optimum",
            Style::Dashed,
            3,
            vec![(0.0, r.optimum), (n, r.optimum)],
        );
    }
    fig.to_svg()
}

fn redunet_figure(runs: &[ReduNetRun]) -> Result<String> {
    let mut fig = Figure::new("ReduNet: Delta R of the training features per layer")
        .labels("layer", "Delta R (nats)");
    for (i, r) in runs.iter().enumerate() {
        let pts = r
            .history
            .iter()
            .enumerate()
            .map(|(s, v)| (s as f64, *v))
            .collect();
        fig = fig.with_color(r.data, Style::Line, i, pts);
    }
    fig.to_svg()
}
