//! Turns the experiments' data into the report text and the SVG figures.

use std::fmt::Write;

use crate::attention::{STROKE_THRESHOLD, overlay_row};
use crate::controls::{Interval, RESAMPLES};
use crate::experiments::Results;
use crate::probe::{LayerProbe, PROBE_EPS_SQ};
use crate::theory::SETUP;
use shared::plot::{Figure, Style};
use shared::report::{Table, fixed, heading};
use shared::{Output, Result};

/// Renders the chapter's results: the report text and the SVG figures.
///
/// # Errors
/// A figure that cannot be drawn.
pub fn render(results: &Results) -> Result<Output> {
    let mut report = String::new();
    report.push_str(&heading("Chapter 5: CRATE, the white-box transformer"));
    let c = &results.config;
    let _ = writeln!(
        report,
        "seed = {}, device = {}{}\n",
        c.seed,
        c.device,
        if c.quick { ", quick" } else { "" }
    );
    write_presets(&mut report, results);
    write_theory(&mut report, results);
    write_training(&mut report, results);
    write_white_box(&mut report, results);
    write_attention(&mut report, results);
    let figures = vec![
        ("theory.svg".to_string(), theory_figure(results)?),
        ("training.svg".to_string(), training_figure(results)?),
        ("white_box.svg".to_string(), white_box_figure(results)?),
        ("attention.svg".to_string(), attention_figure(results)?),
    ];
    Ok(Output { report, figures })
}

fn write_presets(out: &mut String, r: &Results) {
    out.push_str(&heading("1. The models"));
    let mut t = Table::new([
        "preset",
        "image",
        "patch",
        "dim",
        "depth",
        "heads x dim_head",
        "classes",
        "parameters",
    ]);
    for row in &r.presets {
        let m = &row.config;
        t.row([
            clap::ValueEnum::to_possible_value(&row.preset)
                .map_or_else(|| format!("{:?}", row.preset), |v| v.get_name().to_string()),
            m.image_size.to_string(),
            m.patch_size.to_string(),
            m.dim.to_string(),
            m.depth.to_string(),
            format!("{} x {}", m.heads, m.dim_head),
            if m.pre_logits {
                format!("{} (after {} -> {})", m.num_classes, m.dim, m.dim)
            } else {
                m.num_classes.to_string()
            },
            row.parameters.to_string(),
        ]);
    }
    let _ = writeln!(out, "{t}");
}

fn write_theory(out: &mut String, r: &Results) {
    out.push_str(&heading("2. The derivation without training"));
    let s = &SETUP;
    let _ = writeln!(
        out,
        "Tokens: {} per subspace on {} orthogonal {}-dimensional subspaces of R^{}, noise sd {}; layers built from\n\
         the true subspaces, step kappa = {}; R^c = sum over subspaces of chapter 4's coding rate (eps^2 = {}, nats).\n\
         ISTA with D = I (eta*lambda = 0.01) applied to the tokens' nonnegative part.\n",
        s.per_subspace,
        s.subspaces,
        s.dim / s.subspaces,
        s.dim,
        s.noise,
        s.step,
        s.eps_sq,
    );
    let t = &r.theory;
    let mut table = Table::new([
        "layer",
        "R^c, gradient steps",
        "R^c, MSSA steps",
        "zeros after ISTA",
    ]);
    for l in 0..t.gradient.len() {
        table.row([
            l.to_string(),
            fixed(t.gradient[l], 3),
            fixed(t.attention[l], 3),
            t.zeros
                .get(l)
                .map_or_else(String::new, |z| format!("{}%", fixed(100.0 * z, 1))),
        ]);
    }
    let _ = writeln!(out, "{table}");
}

fn write_training(out: &mut String, r: &Results) {
    out.push_str(&heading("3. Training on the digits"));
    let (m, s) = (&r.model, &r.schedule);
    let (decay, clip) = r.training.adamw_settings();
    let clip = clip.map_or_else(|| "not clipped".to_string(), |c| format!("clipped at {c}"));
    let _ = writeln!(
        out,
        "{} training / {} test digits; model: dim {}, depth {}, {} heads of {}, patch {} ({} tokens + class token), {} parameters.\n\
         AdamW (weight decay {decay}, gradient norm {clip}), peak lr {}, {} warmup steps then cosine to 0,\n\
         batch {}, {} epochs, label smoothing {}, random shifts up to {} pixels.\n",
        r.sizes.0,
        r.sizes.1,
        m.dim,
        m.depth,
        m.heads,
        m.dim_head,
        m.patch_size,
        m.num_patches(),
        r.parameters,
        s.lr,
        s.warmup,
        s.batch,
        s.epochs,
        r.training.label_smoothing,
        s.max_shift,
    );
    let mut t = Table::new(["epoch", "train loss", "train accuracy", "test accuracy"]);
    for (e, h) in r.history.iter().enumerate() {
        t.row([
            (e + 1).to_string(),
            fixed(h.loss, 3),
            format!("{}%", fixed(100.0 * h.train_accuracy, 1)),
            format!("{}%", fixed(100.0 * h.test_accuracy, 1)),
        ]);
    }
    let _ = writeln!(out, "{t}");
}

fn write_white_box(out: &mut String, r: &Results) {
    out.push_str(&heading("4. Does each layer compress and sparsify?"));
    let _ = writeln!(
        out,
        "On {}: R^c = sum over heads of the coding rate of the tokens' coordinates in each\n\
         head's subspace (unit tokens, eps^2 = {PROBE_EPS_SQ}, nats, mean over images), at each layer's input;\n\
         sparsity = fraction of zero entries of the layer's ISTA output.\n",
        composition(r)
    );
    let mut t = Table::new([
        "layer",
        "R^c at init",
        "R^c trained",
        "zeros at init",
        "zeros trained",
    ]);
    for (l, (b, a)) in r.before.iter().zip(&r.after).enumerate() {
        t.row([
            (l + 1).to_string(),
            fixed(b.compression, 2),
            fixed(a.compression, 2),
            format!("{}%", fixed(100.0 * b.sparsity, 1)),
            format!("{}%", fixed(100.0 * a.sparsity, 1)),
        ]);
    }
    let _ = writeln!(out, "{t}");
}

fn percent(x: f64) -> String {
    format!("{}%", fixed(100.0 * x, 1))
}

fn write_attention(out: &mut String, r: &Results) {
    out.push_str(&heading("5. Where does the class token look?"));
    let (before, after) = (&r.attention_before.mass, &r.attention_after.mass);
    let _ = writeln!(
        out,
        "On the same {}: each head's class-token attention over the {} patches (its weight\n\
         on itself removed, the rest renormalized), each patch's weight spread evenly over its pixels;\n\
         mass = the share that lands on stroke pixels (brighter than {STROKE_THRESHOLD}). The strokes cover {} of\n\
         the image on average: attention spread evenly would put that much on them. The most a map can\n\
         put there at this patch size (all weight on the patch with the most stroke) is {}.\n",
        composition(r),
        r.model.num_patches(),
        percent(after.coverage),
        percent(after.ceiling),
    );
    let heads = after.mass.first().map_or(0, Vec::len);
    let mut header = vec![
        "layer".to_string(),
        "init, mean of heads".into(),
        "trained, mean of heads".into(),
    ];
    header.extend((1..=heads).map(|k| format!("trained, head {k}")));
    let mut t = Table::new(header);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    for (l, (b, a)) in before.mass.iter().zip(&after.mass).enumerate() {
        let mut row = vec![(l + 1).to_string(), percent(mean(b)), percent(mean(a))];
        row.extend(a.iter().map(|&m| percent(m)));
        t.row(row);
    }
    let _ = writeln!(out, "{t}");
    write_controls(out, r);
    let self_weight = |p: &crate::experiments::AttentionProbe| {
        let w = &p.examples.to_self;
        w.iter().map(|&v| f64::from(v)).sum::<f64>() / w.len().max(1) as f64
    };
    let _ = writeln!(
        out,
        "Last layer, example digits: the class token's weight on itself, before renormalizing, is {} at\n\
         initialization and {} trained (mean over heads and examples).\n",
        percent(self_weight(&r.attention_before)),
        percent(self_weight(&r.attention_after)),
    );
}

/// The probe sample in words: its size and how many of each class.
fn composition(r: &Results) -> String {
    let counts = &r.probe_composition;
    let total: usize = counts.iter().sum();
    if counts.iter().all(|&c| c == counts[0]) {
        format!("{total} test digits ({} of each class 0-9)", counts[0])
    } else {
        format!("{total} test digits (per class 0-9: {counts:?})")
    }
}

/// `mean [lo, hi]` in percentage points.
fn interval(i: &Interval) -> String {
    format!(
        "{} [{}, {}]",
        fixed(100.0 * i.mean, 1),
        fixed(100.0 * i.lo, 1),
        fixed(100.0 * i.hi, 1)
    )
}

/// The trained maps against the controls that could explain them away.
fn write_controls(out: &mut String, r: &Results) {
    let c = &r.attention_after.controls;
    let (row, col) = c.best_patch_at;
    let _ = writeln!(
        out,
        "Controls on the same digits, maps that ignore the input: uniform over the image (the coverage)\n\
         {}; a centre prior, uniform over the central {side} x {side} patches, {}; the best fixed patch\n\
         (row {}, column {}, chosen with hindsight on these digits) {}. And each layer's trained maps\n\
         scored on another digit's strokes (a random pairing). Differences are per digit, in points, with\n\
         95% bootstrap intervals ({RESAMPLES} resamples over the digits); a layer's maps follow their own digit\n\
         only where the interval of own - shuffled lies above 0.\n",
        percent(r.attention_after.mass.coverage),
        percent(c.centre),
        row + 1,
        col + 1,
        percent(c.best_patch),
        side = c.centre_side,
    );
    let mut t = Table::new([
        "layer",
        "own digit",
        "another digit",
        "own - shuffled",
        "own - centre prior",
        "follows its digit",
        "own - shuffled at init",
    ]);
    let init = &r.attention_before.controls.layers;
    for (l, (lc, li)) in c.layers.iter().zip(init).enumerate() {
        let follows = if lc.own_minus_shuffled.lo > 0.0 {
            "yes"
        } else {
            "no"
        };
        t.row([
            (l + 1).to_string(),
            percent(lc.own),
            percent(lc.shuffled),
            interval(&lc.own_minus_shuffled),
            interval(&lc.own_minus_centre),
            follows.to_string(),
            interval(&li.own_minus_shuffled),
        ]);
    }
    let _ = writeln!(out, "{t}");
}

/// The example digits and each head's last-layer map: at initialization on
/// the left, trained on the right.
fn attention_figure(r: &Results) -> Result<String> {
    const GAP: usize = 12;
    let mut rows = Vec::new();
    for (i, (digit, _)) in r.attention_examples.iter().enumerate() {
        let maps = |p: &crate::experiments::AttentionProbe| {
            p.examples.maps.index_axis(ndarray::Axis(0), i).to_owned()
        };
        let left = overlay_row(digit.view(), maps(&r.attention_before).view())?;
        let right = overlay_row(digit.view(), maps(&r.attention_after).view())?;
        let (h, w, _) = left.dim();
        let mut row = ndarray::Array3::from_elem((h + 2, 2 * w + GAP, 3), 255u8);
        row.slice_mut(ndarray::s![0..h, 0..w, ..]).assign(&left);
        row.slice_mut(ndarray::s![0..h, w + GAP.., ..])
            .assign(&right);
        rows.push(row);
    }
    let views: Vec<_> = rows.iter().map(|r| r.view()).collect();
    let grid = ndarray::concatenate(ndarray::Axis(0), &views).map_err(|e| shared::Error::Plot {
        name: "attention.svg".into(),
        message: e.to_string(),
    })?;
    let labels: Vec<String> = r
        .attention_examples
        .iter()
        .map(|(_, l)| l.to_string())
        .collect();
    shared::image::rgb_image(
        "Class-token attention, last layer: at initialization (left), trained (right)",
        grid.view(),
        3,
        &format!(
            "rows: test digits {}; in each half the digit, then heads 1-{}",
            labels.join(", "),
            r.attention_after.examples.maps.dim().1
        ),
    )
}

fn theory_figure(r: &Results) -> Result<String> {
    let series = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter().enumerate().map(|(l, x)| (l as f64, *x)).collect()
    };
    Figure::new("Untrained layers on a union of subspaces: R^c per layer")
        .labels("layer", "R^c (nats)")
        .with_color(
            "exact gradient steps on R^c",
            Style::Line,
            0,
            series(&r.theory.gradient),
        )
        .with_color(
            "MSSA (attention) steps",
            Style::Dashed,
            1,
            series(&r.theory.attention),
        )
        .to_svg()
}

fn training_figure(r: &Results) -> Result<String> {
    let series = |f: fn(&crate::train::EpochStats) -> f64| -> Vec<(f64, f64)> {
        r.history
            .iter()
            .enumerate()
            .map(|(e, h)| ((e + 1) as f64, f(h)))
            .collect()
    };
    Figure::new("CRATE on the digits: error rates over training")
        .labels("epoch", "error rate (log scale)")
        .log_y()
        .with_color(
            "train (shifted)",
            Style::Line,
            0,
            series(|h| 1.0 - h.train_accuracy),
        )
        .with_color("test", Style::Line, 1, series(|h| 1.0 - h.test_accuracy))
        .to_svg()
}

fn white_box_figure(r: &Results) -> Result<String> {
    let series = |probes: &[LayerProbe], f: fn(&LayerProbe) -> f64| -> Vec<(f64, f64)> {
        probes
            .iter()
            .enumerate()
            .map(|(l, p)| ((l + 1) as f64, f(p)))
            .collect()
    };
    Figure::new("Compression R^c per layer (nats), before and after training")
        .labels("layer", "R^c of the layer's input (nats)")
        .with_color(
            "at initialization",
            Style::Dashed,
            0,
            series(&r.before, |p| p.compression),
        )
        .with_color(
            "trained",
            Style::Line,
            0,
            series(&r.after, |p| p.compression),
        )
        .to_svg()
}
