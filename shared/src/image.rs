//! Grey-scale images (digits, large heatmaps) as SVG figures.
//!
//! A grid of 28 × 28 digits drawn as one SVG rectangle per pixel runs to
//! megabytes; here the pixels become one PNG, embedded in the SVG as a data
//! URI and scaled up without smoothing, with the title and labels as SVG text.

use base64::Engine;
use ndarray::{Array2, ArrayView2};

use crate::{Error, Result};

/// Side of the gap between tiles in [`tile`], pixels.
pub const GAP: usize = 2;

/// `values` (`rows × cols`, row 0 at the top) on a grey scale from black at
/// `lo` to white at `hi` (clipped outside; NaN is drawn mid-grey and
/// reported by the caller, not here), each value drawn as a `scale × scale`
/// square, under `title`, with an optional caption below.
///
/// # Errors
/// [`Error::Plot`] if `values` is empty, `scale` is 0, `lo >= hi` or either
/// is not finite, or the PNG encoder fails.
pub fn grey_image(
    title: &str,
    values: ArrayView2<f64>,
    lo: f64,
    hi: f64,
    scale: usize,
    caption: &str,
) -> Result<String> {
    let fail = |message: String| Error::Plot {
        name: title.to_string(),
        message,
    };
    let (rows, cols) = values.dim();
    if rows == 0 || cols == 0 || scale == 0 || !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(fail(format!(
            "a non-empty image, scale >= 1 and finite lo < hi (got {rows} x {cols}, scale {scale}, {lo}..{hi})"
        )));
    }
    let pixels: Vec<u8> = values
        .iter()
        .map(|&v| {
            if v.is_nan() {
                128
            } else {
                (255.0 * ((v - lo) / (hi - lo)).clamp(0.0, 1.0)).round() as u8
            }
        })
        .collect();
    let png = encode_png(&pixels, cols, rows).map_err(fail)?;
    let (w, h) = (cols * scale, rows * scale);
    let (top, bottom) = (30, if caption.is_empty() { 8 } else { 28 });
    let data = base64::engine::general_purpose::STANDARD.encode(png);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{cx}\" y=\"20\" font-family=\"sans-serif\" font-size=\"16\" text-anchor=\"middle\">{title}</text>\n\
         <image x=\"8\" y=\"{top}\" width=\"{w}\" height=\"{h}\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,{data}\"/>\n",
        width = w + 16,
        height = h + top + bottom,
        cx = (w + 16) / 2,
        title = escape(title),
    );
    if !caption.is_empty() {
        svg.push_str(&format!(
            "<text x=\"{cx}\" y=\"{y}\" font-family=\"sans-serif\" font-size=\"13\" text-anchor=\"middle\">{c}</text>\n",
            cx = (w + 16) / 2,
            y = top + h + 20,
            c = escape(caption),
        ));
    }
    svg.push_str("</svg>\n");
    Ok(svg)
}

/// Lays `images` (each `side × side`, row-major) out in a grid of `columns`
/// tiles per row, [`GAP`] pixels apart, the gaps filled with `background`.
///
/// # Errors
/// [`Error::Shape`] if an image is not `side²` long or `columns` is 0.
pub fn tile(
    images: &[Vec<f64>],
    side: usize,
    columns: usize,
    background: f64,
) -> Result<Array2<f64>> {
    if columns == 0 || images.iter().any(|im| im.len() != side * side) {
        return Err(Error::shape(
            "images",
            format!("images of {side} x {side} pixels and at least one column"),
            format!("{} images, {columns} columns", images.len()),
        ));
    }
    let rows = images.len().div_ceil(columns).max(1);
    let step = side + GAP;
    let mut out = Array2::from_elem((rows * step - GAP, columns * step - GAP), background);
    for (i, im) in images.iter().enumerate() {
        let (r0, c0) = ((i / columns) * step, (i % columns) * step);
        for (p, &v) in im.iter().enumerate() {
            out[[r0 + p / side, c0 + p % side]] = v;
        }
    }
    Ok(out)
}

fn encode_png(pixels: &[u8], width: usize, height: usize) -> std::result::Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width as u32, height as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(pixels).map_err(|e| e.to_string())?;
    }
    Ok(bytes)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_and_encodes() {
        let images = vec![vec![1.0; 4], vec![0.0, 1.0, 0.5, 0.25], vec![0.5; 4]];
        let grid = tile(&images, 2, 2, 0.0).unwrap();
        assert_eq!(grid.dim(), (2 * 2 + GAP, 2 * 2 + GAP));
        assert_eq!(grid[[0, 4]], 0.0);
        assert_eq!(grid[[1, 5]], 0.25);
        assert_eq!(grid[[4, 0]], 0.5);
        let svg = grey_image("a <grid>", grid.view(), 0.0, 1.0, 3, "caption").unwrap();
        assert!(svg.contains("data:image/png;base64,") && svg.contains("a &lt;grid&gt;"));
        // The PNG decodes back to the pixels.
        let b64 = svg
            .split("base64,")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
        assert_eq!(buf[grid.ncols() + 5], 64);
        assert!(grey_image("x", grid.view(), 1.0, 1.0, 1, "").is_err());
        assert!(tile(&images, 3, 2, 0.0).is_err());
    }
}
