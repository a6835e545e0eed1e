//! Turns the experiments' data into the report text and the SVG figures.

use std::fmt::Write;

use crate::augment::DEFAULT_AUGMENTATION;
use crate::experiments::{
    ASCENT_ETA, ASCENT_SIZES, AUGMENTATIONS, AscentRun, Contrastive, FEATURE_DIM, HIDDEN,
    INPUT_DIM, KMEANS_RESTARTS, LEARNING_RATE, NEIGHBOURS, OptimumRow, ReduNetRun, Results,
    SOURCES, SUBSPACE_DIM, Supervised,
};
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
    write_supervised(&mut report, &results.config, &results.supervised);
    write_contrastive(&mut report, &results.contrastive);
    let figures = vec![
        (
            "rate_ascent.svg".to_string(),
            ascent_figure(&results.ascent)?,
        ),
        (
            "redunet_layers.svg".to_string(),
            redunet_figure(&results.redunet)?,
        ),
        (
            "digit_training.svg".to_string(),
            training_figure(&results.supervised)?,
        ),
        (
            "digit_similarity.svg".to_string(),
            shared::plot::heatmap(
                "|cos| between test features, 6 per class, ordered by class",
                results.supervised.similarity.mapv(f64::abs).view(),
                0.0,
                1.0,
                "test image (class 0 first)",
            )?,
        ),
        (
            "digit_spectra.svg".to_string(),
            spectra_figure(&results.supervised)?,
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
            r.ranks_closed_form.map_or("-".into(), |v| fixed(v, 6)),
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
    let _ = writeln!(out, "{t}");
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

fn write_supervised(out: &mut String, c: &crate::Config, s: &Supervised) {
    out.push_str(&heading("4. Supervised MCR^2 on the digits"));
    let _ = writeln!(
        out,
        "{} training / {} test digits, inputs = {INPUT_DIM} principal coordinates of the pixels.\n\
         Encoders to {FEATURE_DIM} dims on the sphere, linear or 2-layer ({HIDDEN} hidden ReLU units), trained by Adam\n\
         (lr {LEARNING_RATE}) ascending Delta R of minibatches of {} for {} epochs, eps^2 = {}. Nearest subspace:\n\
         {SUBSPACE_DIM} principal directions per class (chapter 1's top_eigenpairs); k-NN: k = {NEIGHBOURS}, cosine.\n",
        s.train_count,
        s.test_count,
        c.batch,
        s.runs
            .last()
            .map_or(0, |r| r.history.len().saturating_sub(1)),
        c.eps
    );
    let mut t = Table::new([
        "features",
        "nearest subspace: train",
        "test",
        "k-NN test",
        "Delta R of test features (in their own dimension)",
    ]);
    for r in &s.runs {
        t.row([
            r.name.to_string(),
            format!("{}%", fixed(100.0 * r.train_subspace, 1)),
            format!("{}%", fixed(100.0 * r.test_subspace, 1)),
            format!("{}%", fixed(100.0 * r.test_knn, 1)),
            fixed(r.test_delta_r, 3),
        ]);
    }
    let _ = writeln!(out, "{t}");
    let mut t = Table::new(["epoch", "R", "R_c", "Delta R", "Delta R (bits)"]);
    if let Some(r) = s.runs.last() {
        let last = r.history.len().saturating_sub(1);
        let mut shown: Vec<usize> = [0, 1, 2, 5, 10, 20, last]
            .into_iter()
            .filter(|e| *e <= last)
            .collect();
        shown.dedup();
        for (e, rates) in shown
            .into_iter()
            .filter_map(|e| Some((e, *r.history.get(e)?)))
        {
            t.row([
                e.to_string(),
                fixed(rates.r, 3),
                fixed(rates.rc, 3),
                fixed(rates.delta(), 3),
                fixed(bits(rates.delta()), 2),
            ]);
        }
    }
    let _ = writeln!(
        out,
        "Two-layer encoder, rates of all {} training features (epoch 0 = initialization):\n\n{t}",
        s.train_count
    );
    let ranks: Vec<String> = s
        .spectra
        .iter()
        .map(|sv| crate::ascent::numerical_rank(sv, 0.1).to_string())
        .collect();
    let _ = writeln!(
        out,
        "Test features per class, singular values above 0.1 of the largest: {}\n",
        ranks.join(" ")
    );
}

fn training_figure(s: &Supervised) -> Result<String> {
    let mut fig = Figure::new("Supervised MCR^2 on digits (two-layer encoder)")
        .labels("epoch", "nats (all training features)");
    if let Some(r) = s.runs.last() {
        let series = |f: fn(&crate::encoder::Rates) -> f64| -> Vec<(f64, f64)> {
            r.history
                .iter()
                .enumerate()
                .map(|(e, v)| (e as f64, f(v)))
                .collect()
        };
        fig = fig
            .with_color("R", Style::Line, 0, series(|v| v.r))
            .with_color("R_c", Style::Line, 1, series(|v| v.rc))
            .with_color("Delta R", Style::Line, 3, series(|v| v.delta()));
    }
    fig.to_svg()
}

fn spectra_figure(s: &Supervised) -> Result<String> {
    let mut fig = Figure::new("Singular values of each class's test features")
        .labels("index", "singular value")
        .log_y();
    for (j, sv) in s.spectra.iter().enumerate() {
        let pts = sv
            .iter()
            .take(20)
            .enumerate()
            .map(|(i, v)| ((i + 1) as f64, *v))
            .collect();
        // Ten classes, seven well-visible palette colours: the last three dashed.
        let style = if j < 7 { Style::Line } else { Style::Dashed };
        fig = fig.with_color(format!("digit {j}"), style, j % 7, pts);
    }
    fig.to_svg()
}

fn write_contrastive(out: &mut String, c: &Contrastive) {
    out.push_str(&heading("5. Contrastive (label-free) MCR^2 on the digits"));
    let _ = writeln!(
        out,
        "Minibatches of {SOURCES} training images x {AUGMENTATIONS} augmentations (rotation up to {} degrees, shift up to {}\n\
         pixels, noise {}); the label of a sample is its source image. Same two-layer encoder, {} Adam steps.\n\
         The {} test digits are clustered by spherical k-means (k = 10, {KMEANS_RESTARTS} restarts): accuracy under the\n\
         best matching of clusters to digits, and normalized mutual information.\n",
        DEFAULT_AUGMENTATION.max_degrees,
        DEFAULT_AUGMENTATION.max_shift,
        DEFAULT_AUGMENTATION.noise,
        c.steps,
        c.test_count,
    );
    let mut t = Table::new(["features", "clustering accuracy", "NMI"]);
    for r in &c.rows {
        t.row([
            r.name.to_string(),
            format!("{}%", fixed(100.0 * r.accuracy, 1)),
            fixed(r.nmi, 3),
        ]);
    }
    let _ = writeln!(out, "{t}");
    if let (Some(first), Some(last)) = (c.history.first(), c.history.last()) {
        let _ = writeln!(
            out,
            "Minibatch rates (labels = source images): first R {} R_c {} Delta R {}; last R {} R_c {} Delta R {}",
            fixed(first.r, 3),
            fixed(first.rc, 3),
            fixed(first.delta(), 3),
            fixed(last.r, 3),
            fixed(last.rc, 3),
            fixed(last.delta(), 3),
        );
    }
}
