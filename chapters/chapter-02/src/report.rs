//! Turns the experiments' data into the report text and the SVG figures.

use std::fmt::Write;

use crate::dictionary::DictionaryStep;
use crate::experiments::{
    CompleteDictionary, Config, DICT_M, DICT_N, DICT_OPTIONS, DICT_SIGNALS, DICT_SPARSITY,
    ISTA_ITERS, LISTA_M, LISTA_N, LISTA_STEPS, LISTA_TEST, LISTA_TRAIN, MSP_N, MSP_SIGNALS,
    MSP_THETA, RELU_LAMBDA, RELU_M, RELU_N, RELU_NOISE, RELU_SIGNALS, RELU_SPARSITY, ReluRow,
    Results, SENSING_ITERS, Sensing, TinyInstance, Unrolled, bounds,
};
use shared::plot::{Figure, Style};
use shared::report::{Table, fixed, heading, sci, sci_or_below};
use shared::{Output, Result};

/// Renders the chapter's results: the report text and the SVG figures.
///
/// # Errors
/// A figure that cannot be drawn.
pub fn render(results: &Results) -> Result<Output> {
    let mut report = String::new();
    write_tiny(&mut report, &results.tiny);
    write_sensing(&mut report, &results.config, &results.sensing);
    write_dictionary(&mut report, &results.dictionary);
    write_complete(&mut report, &results.complete);
    write_unrolled(&mut report, &results.unrolled);
    write_relu(&mut report, &results.relu);
    let figures = vec![
        (
            "fista_vs_ista.svg".to_string(),
            sensing_figure(&results.sensing)?,
        ),
        (
            "scaled_gaps.svg".to_string(),
            scaled_gap_figure(&results.sensing)?,
        ),
        (
            "dictionary_recovery.svg".to_string(),
            dictionary_figure(&results.dictionary)?,
        ),
        ("msp.svg".to_string(), msp_figure(&results.complete)?),
        (
            "unrolled_ista.svg".to_string(),
            unrolled_figure(&results.unrolled)?,
        ),
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
            fixed(r.objective.ista, 7),
            fixed(r.objective.fista, 7),
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
    let constants = s.constants();
    let _ = writeln!(
        out,
        "The theorems bound k (F(x_k) - F*) by C_ISTA = L d^2/2 = {} and (k+1)^2 (F(x_k) - F*)\n\
         by C_FISTA = 2 L d^2 = {}, with d = ||x0 - x*||. The scaled gaps show the rates themselves:\n",
        sci(constants.ista, 3),
        sci(constants.fista, 3),
    );
    let mut t = Table::new([
        "k",
        "ISTA gap",
        "k gap / C_ISTA",
        "FISTA gap",
        "(k+1)^2 gap / C_FISTA",
    ]);
    for k in [1, 10, 30, 100, 300, 1000] {
        let scaled = s.scaled_gaps(k);
        t.row([
            k.to_string(),
            gap(s.gaps.ista[k], s.optimum),
            fixed(scaled.ista / constants.ista, 4),
            gap(s.gaps.fista[k], s.optimum),
            fixed(scaled.fista / constants.fista, 4),
        ]);
    }
    let _ = writeln!(out, "{t}");
    let yes = |b: bool| if b { "yes" } else { "NO" };
    let iters = |k: Option<usize>| k.map_or(format!("> {SENSING_ITERS}"), |k| k.to_string());
    let _ = writeln!(
        out,
        "Bound holds at every k <= {SENSING_ITERS}: ISTA {}, FISTA {}.\n\
         Iterations to relative gap 1e-6: ISTA {}, FISTA {}.\n\
         True nonzeros found by the LASSO: {}%; signals whose support is exactly the true one: {}%.\n\
         KKT residual of x*: {}.\n",
        yes(s.bound_holds.ista),
        yes(s.bound_holds.fista),
        iters(s.iters_to_1e6.ista),
        iters(s.iters_to_1e6.fista),
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

fn write_complete(out: &mut String, c: &CompleteDictionary) {
    out.push_str(&heading(
        "4. Complete dictionary learning: l4 maximization over O(n) (MSP)",
    ));
    let _ = writeln!(
        out,
        "X = U Z, U a random {MSP_N} x {MSP_N} rotation, codes Z Bernoulli({MSP_THETA})-Gaussian, {MSP_SIGNALS} signals.\n\
         A <- polar((A X)^3 X^T) from a random rotation. Objective ||A X||_4^4 / (3 theta n N): expected\n\
         theta + (1 - theta) 3/(n+2) = {} at a random rotation, 1 at the truth.\n\
         Error = 1 - ||A U||_4^4 / n (0 iff A U is a signed permutation).\n",
        fixed(c.random_objective, 4)
    );
    let mut t = Table::new(["MSP step k", "objective", "error"]);
    let last = c.error.len() - 1;
    let mut steps: Vec<usize> = [0, 1, 2, 3, 5, 10, 20, 30, last]
        .into_iter()
        .filter(|k| *k <= last)
        .collect();
    steps.dedup();
    for k in steps {
        {
            t.row([
                k.to_string(),
                fixed(c.normalized_objective[k], 4),
                sci(c.error[k], 2),
            ]);
        }
    }
    let _ = writeln!(out, "{t}");
    let _ = writeln!(
        out,
        "Objective at the truth A = U^T: {}. Steps: {}{}. Atoms recovered (|entry of A U| > 0.99): {}/{MSP_N}.\n",
        fixed(c.truth_objective, 4),
        last,
        if c.converged { "" } else { " (NOT converged)" },
        c.recovered,
    );
}

fn write_relu(out: &mut String, rows: &[ReluRow]) {
    out.push_str(&heading("6. Nonnegative ISTA is a stack of ReLU layers"));
    let _ = writeln!(
        out,
        "A: {RELU_M} x {RELU_N}, unit-norm columns; {RELU_SIGNALS} signals X = A Z + noise {RELU_NOISE}, Z >= 0\n\
         {RELU_SPARSITY}-sparse; lambda = {RELU_LAMBDA}.\n\
         Layer: Z <- ReLU(Z + (1/L) A^T (X - A Z) - lambda/L), from Z = 0. Reference Z*: FISTA for Z >= 0.\n"
    );
    let mut t = Table::new(["layers T", "||Z_T - Z*|| / ||Z*||"]);
    for r in rows {
        t.row([r.layers.to_string(), sci(r.relative_distance, 2)]);
    }
    let _ = write!(out, "{t}");
}

fn write_unrolled(out: &mut String, u: &Unrolled) {
    out.push_str(&heading("5. Unrolled ISTA (LISTA) vs ISTA"));
    let _ = writeln!(
        out,
        "A: {LISTA_M} x {LISTA_N}; targets are LASSO solutions; {LISTA_TRAIN} training and {LISTA_TEST} test signals.\n\
         Each network starts as T steps of ISTA and is trained by {LISTA_STEPS} steps of plain gradient descent.\n\
         Error = ||Z - Z*||_F^2 / ||Z*||_F^2 over the codes of the test signals.\n"
    );
    let mut t = Table::new([
        "depth T",
        "train loss before",
        "after",
        "LISTA test error",
        "ISTA after T",
        "ISTA iters to match",
    ]);
    for row in &u.lista {
        let matched = u
            .ista_iterations_to_reach(row.test_error)
            .map_or(format!("> {ISTA_ITERS}"), |k| k.to_string());
        t.row([
            row.depth.to_string(),
            fixed(row.loss_before, 5),
            fixed(row.loss_after, 5),
            fixed(row.test_error, 4),
            fixed(u.ista_error[row.depth - 1], 4),
            matched,
        ]);
    }
    let _ = writeln!(out, "{t}");
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
    let bound = |which: fn(&crate::experiments::PerSolver<f64>) -> f64| -> Vec<(f64, f64)> {
        ks.clone()
            .map(|k| (k, which(&bounds(s.lipschitz, s.distance_sq, k as usize))))
            .collect()
    };
    Figure::new("LASSO: F(x_k) - F* for ISTA and FISTA")
        .labels("iteration k", "F(x_k) - F*")
        .log_x()
        .log_y()
        .with_color("ISTA", Style::Line, 0, series(&s.gaps.ista))
        .with_color("ISTA bound L d^2/(2k)", Style::Dashed, 0, bound(|b| b.ista))
        .with_color("FISTA", Style::Line, 3, series(&s.gaps.fista))
        .with_color(
            "FISTA bound 2 L d^2/(k+1)^2",
            Style::Dashed,
            3,
            bound(|b| b.fista),
        )
        .to_svg()
}

fn scaled_gap_figure(s: &Sensing) -> Result<String> {
    let c = s.constants();
    let series =
        |f: fn(&crate::experiments::PerSolver<f64>) -> f64, constant: f64| -> Vec<(f64, f64)> {
            (1..=SENSING_ITERS)
                .map(|k| (k as f64, f(&s.scaled_gaps(k)) / constant))
                .filter(|(_, v)| *v > 1e-12)
                .collect()
        };
    let one = vec![(1.0, 1.0), (SENSING_ITERS as f64, 1.0)];
    Figure::new("Rates: k gap (ISTA) and (k+1)^2 gap (FISTA), over their constants")
        .labels("iteration k", "scaled gap / constant")
        .log_x()
        .log_y()
        .with_color(
            "ISTA: k (F - F*) / C_ISTA",
            Style::Line,
            0,
            series(|g| g.ista, c.ista),
        )
        .with_color(
            "FISTA: (k+1)^2 (F - F*) / C_FISTA",
            Style::Line,
            3,
            series(|g| g.fista, c.fista),
        )
        .with_color("bound (= 1)", Style::Dashed, 1, one)
        .to_svg()
}

fn msp_figure(c: &CompleteDictionary) -> Result<String> {
    let points = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter()
            .enumerate()
            .map(|(k, e)| (k as f64, *e))
            .filter(|(_, e)| *e > 0.0)
            .collect()
    };
    Figure::new("MSP: distance of A U to a signed permutation")
        .labels("MSP step k", "1 - ||A U||_4^4 / n")
        .log_y()
        .with("error", Style::Line, points(&c.error))
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
    let lista = u
        .lista
        .iter()
        .map(|r| (r.depth as f64, r.test_error))
        .collect();
    Figure::new("Code error: ISTA iterations vs trained LISTA layers")
        .labels("iterations / layers", "||Z - Z*||^2 / ||Z*||^2")
        .log_x()
        .log_y()
        .with("ISTA", Style::Line, ista)
        .with("LISTA (trained)", Style::Points, lista)
        .to_svg()
}
