//! A matrix drawn as a heatmap.

use plotters::prelude::*;

use super::{LABEL_PX, TICK_PX, TITLE_PX, round_significant, tick_label};
use crate::error::{Error, Result};

/// A heatmap of `values` (`rows × cols`, row 0 at the top) on a grey scale from
/// white at `lo` to black at `hi` (values outside are clipped; NaN is drawn
/// red), as an SVG string. Cell values are rounded like plot coordinates.
///
/// # Errors
/// [`Error::Plot`] if `values` is empty, `lo >= hi`, or plotters fails.
pub fn heatmap(
    title: &str,
    values: ndarray::ArrayView2<f64>,
    lo: f64,
    hi: f64,
    axis_label: &str,
) -> Result<String> {
    let fail = |message: String| Error::Plot {
        name: title.to_string(),
        message,
    };
    let (rows, cols) = values.dim();
    if rows == 0 || cols == 0 || lo.is_nan() || hi.is_nan() || lo >= hi {
        return Err(fail(format!(
            "a non-empty matrix and lo < hi (got {rows} x {cols}, {lo}..{hi})"
        )));
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (600, 560)).into_drawing_area();
        let draw = || -> std::result::Result<(), Box<dyn std::error::Error + '_>> {
            root.fill(&WHITE)?;
            let mut chart = ChartBuilder::on(&root)
                .caption(title, ("sans-serif", TITLE_PX))
                .margin(14)
                .x_label_area_size(46)
                .y_label_area_size(58)
                .build_cartesian_2d(0.0..cols as f64, rows as f64..0.0)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc(axis_label)
                .y_desc(axis_label)
                .axis_desc_style(("sans-serif", LABEL_PX))
                .label_style(("sans-serif", TICK_PX))
                .x_label_formatter(&|v| tick_label(*v))
                .y_label_formatter(&|v| tick_label(*v))
                .draw()?;
            chart.draw_series(values.indexed_iter().map(|((r, c), v)| {
                let v = round_significant(*v);
                let color = if v.is_nan() {
                    RGBColor(200, 30, 30)
                } else {
                    let t = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
                    let g = (255.0 * (1.0 - t)).round() as u8;
                    RGBColor(g, g, g)
                };
                Rectangle::new(
                    [(c as f64, r as f64), (c as f64 + 1.0, r as f64 + 1.0)],
                    color.filled(),
                )
            }))?;
            Ok(())
        };
        draw().map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    Ok(svg)
}
