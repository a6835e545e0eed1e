//! Turns the experiments' data into the report text and the SVG figures.

use std::fmt::Write;

use crate::dictionary::DictionaryStep;
use crate::experiments::{
    self, Config, DICT_M, DICT_N, DICT_OPTIONS, DICT_SIGNALS, DICT_SPARSITY, ISTA_ITERS, LISTA_M,
    LISTA_N, LISTA_STEPS, LISTA_TEST, LISTA_TRAIN, SENSING_ITERS, Sensing, TinyInstance, Unrolled,
    bounds,
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
    let tiny = experiments::tiny_instance()?;
    let sensing = experiments::sensing(config)?;
    let dictionary = experiments::dictionary(config.seed)?;
    let unrolled = experiments::unrolled(config.seed)?;
    let mut report = String::new();
    write_tiny(&mut report, &tiny);
    write_sensing(&mut report, config, &sensing);
    write_dictionary(&mut report, &dictionary);
    write_unrolled(&mut report, &unrolled);
    let figures = vec![
        ("fista_vs_ista.svg".to_string(), sensing_figure(&sensing)?),
        (
            "dictionary_recovery.svg".to_string(),
            dictionary_figure(&dictionary)?,
        ),
        ("unrolled_ista.svg".to_string(), unrolled_figure(&unrolled)?),
    ];
    Ok(Output { report, figures })
}

fn write_tiny(out: &mut String, tiny: &TinyInstance) {
    out.push_str(&heading("Chapter 2: sparse coding with ISTA and FISTA"));
    out.push('\n');
    out.push_str(&heading(
        "1. A 2-D LASSO solved by hand: A = diag(1, 2), y = (3, 1), lambda = 1",
    ));
    let _ = writeln!(
        out,
        "L = ||A||_2^2 = {} (chapter 1's power iteration). Optimum x* = (2, 0.25), F* = 2.875.\n\
         ISTA's iterates are x_k = (2 (1 - 0.75^k), 0.25) exactly.\n",
        fixed(tiny.lipschitz, 6)
    );
    let mut t = Table::new([
        "k",
        "ISTA x_k",
        "closed form",
        "ISTA F(x_k)",
        "FISTA F(x_k)",
    ]);
    let pair = |v: &[f64; 2]| format!("({}, {})", fixed(v[0], 6), fixed(v[1], 6));
    for r in &tiny.rows {
        t.row([
            r.k.to_string(),
            pair(&r.ista_x),
            pair(&r.closed_form),
            fixed(r.ista_f, 7),
            fixed(r.fista_f, 7),
        ]);
    }
    let _ = writeln!(out, "{t}");
}

fn write_sensing(out: &mut String, c: &Config, s: &Sensing) {
    out.push_str(&heading(
        "2. Compressed sensing: ISTA vs FISTA against their bounds",
    ));
    let _ = writeln!(
        out,
        "A: {} x {} Gaussian, unit-norm columns; {} signals, each {}-sparse; noise {}; lambda = {}.\n\
         L = {}, F* = {} (FISTA, then polished on its support), ||x0 - x*||^2 = {}.\n",
        c.measurements,
        c.atoms,
        c.signals,
        c.sparsity,
        c.noise,
        c.lambda,
        fixed(s.lipschitz, 4),
        fixed(s.optimum, 6),
        fixed(s.distance_sq, 4),
    );
    let mut t = Table::new([
        "k",
        "ISTA gap",
        "L d^2/(2k)",
        "FISTA gap",
        "2 L d^2/(k+1)^2",
    ]);
    for k in [1, 10, 100, 1000] {
        let (bi, bf) = bounds(s.lipschitz, s.distance_sq, k);
        t.row([
            k.to_string(),
            gap(s.ista_gap[k], s.optimum),
            sci(bi, 2),
            gap(s.fista_gap[k], s.optimum),
            sci(bf, 2),
        ]);
    }
    let _ = writeln!(out, "{t}");
    let yes = |b: bool| if b { "yes" } else { "NO" };
    let iters = |k: Option<usize>| k.map_or(format!("> {SENSING_ITERS}"), |k| k.to_string());
    let _ = writeln!(
        out,
        "Bound holds at every k <= {SENSING_ITERS}: ISTA {}, FISTA {}.\n\
         Iterations to relative gap 1e-6: FISTA {}, ISTA {}.\n\
         True nonzeros found by the LASSO: {}%; signals whose support is exactly the true one: {}%.\n\
         KKT residual of x*: {}.\n",
        yes(s.ista_bound_holds),
        yes(s.fista_bound_holds),
        iters(s.iters_to_1e6.0),
        iters(s.iters_to_1e6.1),
        fixed(100.0 * s.support_recall, 1),
        fixed(100.0 * s.support_recovered, 0),
        sci_or_below(s.kkt, 1e-12),
    );
}

/// A gap, or `"< 1e-12 F*"` once it is below what F* itself resolves.
fn gap(g: f64, optimum: f64) -> String {
    if g <= 1e-12 * optimum {
        "< 1e-12 F*".to_string()
    } else {
        sci(g, 2)
    }
}

fn write_dictionary(out: &mut String, history: &[DictionaryStep]) {
    out.push_str(&heading(
        "3. Dictionary learning: recovering a planted dictionary",
    ));
    let _ = writeln!(
        out,
        "{DICT_SIGNALS} signals from a random {DICT_M} x {DICT_N} dictionary, {DICT_SPARSITY}-sparse codes. \
         Each outer iteration:\nFISTA coding (lambda = {}), then {} projected gradient steps on the atoms.\n\
         Recovery of a true atom = best |cos| with a learned atom.\n",
        DICT_OPTIONS.lambda, DICT_OPTIONS.dictionary_steps
    );
    let mut t = Table::new([
        "outer iteration",
        "objective",
        "mean recovery",
        "atoms with |cos| > 0.99",
    ]);
    for (i, h) in history.iter().enumerate() {
        let it = i + 1;
        if it == 1 || it % 10 == 0 {
            t.row([
                it.to_string(),
                fixed(h.objective, 3),
                fixed(h.mean_recovery, 4),
                format!("{}/{DICT_N}", (h.recovered * DICT_N as f64).round()),
            ]);
        }
    }
    let _ = writeln!(out, "{t}");
}

fn write_unrolled(out: &mut String, u: &Unrolled) {
    out.push_str(&heading("4. Unrolled ISTA (LISTA) vs ISTA"));
    let _ = writeln!(
        out,
        "A: {LISTA_M} x {LISTA_N}; targets are LASSO solutions; {LISTA_TRAIN} training and {LISTA_TEST} test signals.\n\
         Each network starts as T steps of ISTA and is trained by {LISTA_STEPS} steps of plain gradient descent.\n\
         Error = ||X - X*||_F^2 / ||X*||_F^2 on the test signals.\n"
    );
    let mut t = Table::new([
        "depth T",
        "train loss before",
        "after",
        "LISTA test error",
        "ISTA after T",
        "ISTA iters to match",
    ]);
    for &(depth, before, after, test) in &u.lista {
        let matched = u
            .ista_iterations_to_reach(test)
            .map_or(format!("> {ISTA_ITERS}"), |k| k.to_string());
        t.row([
            depth.to_string(),
            fixed(before, 5),
            fixed(after, 5),
            fixed(test, 4),
            fixed(u.ista_error[depth - 1], 4),
            matched,
        ]);
    }
    let _ = write!(out, "{t}");
}

fn sensing_figure(s: &Sensing) -> Result<String> {
    let series = |gap: &[f64]| -> Vec<(f64, f64)> {
        gap.iter()
            .enumerate()
            .skip(1)
            .filter(|(_, g)| **g > 1e-12 * s.optimum)
            .map(|(k, g)| (k as f64, *g))
            .collect()
    };
    let ks = (1..=SENSING_ITERS).map(|k| k as f64);
    let bound = |which: usize| -> Vec<(f64, f64)> {
        ks.clone()
            .map(|k| {
                let b = bounds(s.lipschitz, s.distance_sq, k as usize);
                (k, [b.0, b.1][which])
            })
            .collect()
    };
    Figure::new("LASSO: F(x_k) - F* for ISTA and FISTA")
        .labels("iteration k", "F(x_k) - F*")
        .log_x()
        .log_y()
        .with_color("ISTA", Style::Line, 0, series(&s.ista_gap))
        .with_color("ISTA bound L d^2/(2k)", Style::Dashed, 0, bound(0))
        .with_color("FISTA", Style::Line, 3, series(&s.fista_gap))
        .with_color("FISTA bound 2 L d^2/(k+1)^2", Style::Dashed, 3, bound(1))
        .to_svg()
}

fn dictionary_figure(history: &[DictionaryStep]) -> Result<String> {
    let points = |f: fn(&DictionaryStep) -> f64| -> Vec<(f64, f64)> {
        history
            .iter()
            .enumerate()
            .map(|(i, h)| ((i + 1) as f64, f(h)))
            .collect()
    };
    Figure::new("Dictionary learning: recovery of the planted atoms")
        .labels("outer iteration", "recovery")
        .with("mean best |cos|", Style::Line, points(|h| h.mean_recovery))
        .with(
            "fraction with |cos| > 0.99",
            Style::Line,
            points(|h| h.recovered),
        )
        .to_svg()
}

fn unrolled_figure(u: &Unrolled) -> Result<String> {
    let ista = u
        .ista_error
        .iter()
        .enumerate()
        .map(|(k, e)| ((k + 1) as f64, *e))
        .collect();
    let lista = u.lista.iter().map(|&(d, _, _, e)| (d as f64, e)).collect();
    Figure::new("Code error: ISTA iterations vs trained LISTA layers")
        .labels("iterations / layers", "||X - X*||^2 / ||X*||^2")
        .log_x()
        .log_y()
        .with("ISTA", Style::Line, ista)
        .with("LISTA (trained)", Style::Points, lista)
        .to_svg()
}
