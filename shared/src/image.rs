//! Grey-scale and colour images (digits, large heatmaps, attention overlays)
//! as SVG figures and PNG files.
//!
//! A grid of 28 × 28 digits drawn as one SVG rectangle per pixel runs to
//! megabytes; here the pixels become one PNG, embedded in the SVG as a data
//! URI and scaled up without smoothing, with the title and labels as SVG text.

use base64::Engine;
use ndarray::{Array2, Array3, ArrayView2, ArrayView3};
use plotters::style::colors::colormaps::{ColorMap, ViridisRGB};

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
    let png = encode_png(&pixels, cols, rows, png::ColorType::Grayscale).map_err(fail)?;
    Ok(svg_around_png(
        title,
        &png,
        cols * scale,
        rows * scale,
        caption,
    ))
}

/// `pixels` (`rows × cols × 3`, RGB, row 0 at the top), each drawn as a
/// `scale × scale` square, under `title`, with an optional caption below.
///
/// # Errors
/// [`Error::Plot`] if the image is empty, not RGB, `scale` is 0, or the PNG encoder fails.
pub fn rgb_image(
    title: &str,
    pixels: ArrayView3<u8>,
    scale: usize,
    caption: &str,
) -> Result<String> {
    let fail = |message: String| Error::Plot {
        name: title.to_string(),
        message,
    };
    if scale == 0 {
        return Err(fail("scale must be >= 1".into()));
    }
    let png = rgb_png(pixels).map_err(|e| match e {
        Error::Plot { message, .. } => fail(message),
        other => other,
    })?;
    let (rows, cols, _) = pixels.dim();
    Ok(svg_around_png(
        title,
        &png,
        cols * scale,
        rows * scale,
        caption,
    ))
}

/// `pixels` (`rows × cols × 3`, RGB) encoded as a PNG file's bytes.
///
/// # Errors
/// [`Error::Plot`] if the image is empty or not RGB, or the encoder fails.
pub fn rgb_png(pixels: ArrayView3<u8>) -> Result<Vec<u8>> {
    let (rows, cols, channels) = pixels.dim();
    let fail = |message: String| Error::Plot {
        name: "RGB image".into(),
        message,
    };
    if rows == 0 || cols == 0 || channels != 3 {
        return Err(fail(format!(
            "a non-empty rows x cols x 3 image (got {rows} x {cols} x {channels})"
        )));
    }
    let bytes: Vec<u8> = pixels.iter().copied().collect();
    encode_png(&bytes, cols, rows, png::ColorType::Rgb).map_err(fail)
}

/// Weight of the heat map over the grey image in [`heat_overlay`].
pub const OVERLAY_ALPHA: f64 = 0.6;

/// A heat map laid over a grey image, for attention maps: each pixel is
/// $(1-\alpha)\,g + \alpha\,\mathrm{viridis}(h)$ with the grey level $g$ and the heat
/// $h$ clipped to $[0, 1]$ and $\alpha$ = [`OVERLAY_ALPHA`] (viridis stays
/// ordered in lightness, so the map reads in greyscale and for colour-blind
/// readers). Both inputs are `rows × cols`; the result is `rows × cols × 3`.
///
/// # Errors
/// [`Error::Shape`] if the shapes differ; [`Error::NonFinite`] if a value is NaN.
pub fn heat_overlay(grey: ArrayView2<f64>, heat: ArrayView2<f64>) -> Result<Array3<u8>> {
    if grey.dim() != heat.dim() {
        return Err(Error::shape(
            "heat map",
            format!("the image's {:?}", grey.dim()),
            format!("{:?}", heat.dim()),
        ));
    }
    if grey.iter().chain(heat.iter()).any(|v| v.is_nan()) {
        return Err(Error::NonFinite {
            name: "the image or heat map of an overlay",
        });
    }
    let (rows, cols) = grey.dim();
    let mut out = Array3::zeros((rows, cols, 3));
    for ((r, c), &g) in grey.indexed_iter() {
        let colour = ViridisRGB.get_color(heat[[r, c]].clamp(0.0, 1.0) as f32);
        let g = 255.0 * g.clamp(0.0, 1.0);
        for (k, v) in [colour.0, colour.1, colour.2].into_iter().enumerate() {
            let mixed = (1.0 - OVERLAY_ALPHA) * g + OVERLAY_ALPHA * f64::from(v);
            out[[r, c, k]] = mixed.round().clamp(0.0, 255.0) as u8;
        }
    }
    Ok(out)
}

/// An SVG of `width × height` showing the PNG `png` under `title`.
fn svg_around_png(title: &str, png: &[u8], w: usize, h: usize, caption: &str) -> String {
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
    svg
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

fn encode_png(
    pixels: &[u8],
    width: usize,
    height: usize,
    colour: png::ColorType,
) -> std::result::Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width as u32, height as u32);
        encoder.set_color(colour);
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

    /// Viridis's ends (matplotlib's #440154 and #fde725) mixed with the grey
    /// level, the PNG decoding back to the pixels, and bad input refused.
    #[test]
    fn overlays_heat_on_grey_and_encodes_rgb() {
        let grey = ndarray::array![[1.0, 0.0], [0.5, 0.0]];
        let heat = ndarray::array![[0.0, 1.0], [0.0, 2.0]];
        let rgb = heat_overlay(grey.view(), heat.view()).unwrap();
        let mix =
            |g: f64, v: f64| ((1.0 - OVERLAY_ALPHA) * 255.0 * g + OVERLAY_ALPHA * v).round() as u8;
        assert_eq!(
            rgb.slice(ndarray::s![0, 0, ..]).to_vec(),
            [mix(1.0, 68.0), mix(1.0, 1.0), mix(1.0, 84.0)]
        );
        assert_eq!(
            rgb.slice(ndarray::s![0, 1, ..]).to_vec(),
            [mix(0.0, 253.0), mix(0.0, 231.0), mix(0.0, 37.0)]
        );
        assert_eq!(
            rgb.slice(ndarray::s![1, 1, ..]),
            rgb.slice(ndarray::s![0, 1, ..]),
            "heat clipped to 1"
        );
        let png = rgb_png(rgb.view()).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
        assert_eq!(buf, rgb.iter().copied().collect::<Vec<u8>>());
        assert!(
            rgb_image("t", rgb.view(), 2, "")
                .unwrap()
                .contains("width=\"20\"")
        );
        let nan = ndarray::array![[f64::NAN, 0.0], [0.0, 0.0]];
        assert!(heat_overlay(grey.view(), nan.view()).is_err());
        assert!(heat_overlay(grey.view(), ndarray::Array2::zeros((1, 2)).view()).is_err());
        assert!(rgb_png(ndarray::Array3::zeros((2, 2, 1)).view()).is_err());
        assert!(rgb_image("t", rgb.view(), 0, "").is_err());
    }
}
