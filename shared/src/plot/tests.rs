//! Figures drawn and checked: bytes, rounding, legends.

use super::*;

#[test]
fn a_figure_with_nothing_to_draw_is_empty_axes_not_an_error() {
    let svg = Figure::new("empty")
        .log_y()
        .with("zeros", Style::Line, vec![(1.0, 0.0), (2.0, f64::NAN)])
        .to_svg()
        .unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("zeros"));
}

#[test]
fn renders_a_log_plot_to_svg() {
    let pts: Vec<(f64, f64)> = (0..10).map(|t| (t as f64, 0.5f64.powi(t))).collect();
    let svg = Figure::new("decay")
        .labels("t", "error")
        .log_y()
        .with("measured", Style::Line, pts.clone())
        .with("predicted", Style::Dashed, pts)
        .to_svg()
        .unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("decay") && svg.contains("measured"));
}

/// Panels share their axes' ranges, and the legend lists each label once.
#[test]
fn small_multiples_share_axes_and_one_legend() {
    let panel = |t: &str, pts: Vec<(f64, f64)>| {
        Figure::new(t)
            .labels("x", "y")
            .with_color("data", Style::Points, 0, pts)
            .with_color("reference", Style::Line, 1, vec![(0.0, 0.0), (1.0, 1.0)])
    };
    let svg = small_multiples(
        "three steps",
        &[
            panel("step 0", vec![(0.0, 0.0), (100.0, 5.0)]),
            panel("step 1", vec![(1.0, 1.0)]),
            panel("step 2", vec![]),
        ],
        3,
    )
    .unwrap();
    for t in ["three steps", "step 0", "step 1", "step 2"] {
        assert!(svg.contains(&format!(">\n{t}\n<")), "{t}");
    }
    assert_eq!(
        svg.matches(">\ndata\n<").count(),
        1,
        "one legend entry per label"
    );
    assert_eq!(svg.matches(">\nreference\n<").count(), 1);
    // Every panel's x axis reaches 100 (the first panel's extreme point).
    assert_eq!(svg.matches(">\n100\n<").count(), 3, "{svg}");
    assert!(small_multiples("none", &[], 2).is_err());
    assert!(small_multiples("log", &[Figure::new("p").log_y()], 1).is_err());
}

#[test]
fn tick_labels_are_short() {
    assert_eq!(tick_label(50.0), "50");
    assert_eq!(tick_label(9.99999999e-5), "1e-4");
    assert_eq!(tick_label(0.001), "0.001");
    assert_eq!(tick_label(0.25), "0.25");
    assert_eq!(tick_label(1e-10), "1e-10");
}

#[test]
fn rounding_keeps_six_digits() {
    assert_eq!(round_significant(1.23456789), 1.23457);
    assert_eq!(round_significant(-0.000123456789), -0.000123457);
}
