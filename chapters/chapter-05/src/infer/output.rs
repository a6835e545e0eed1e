//! Writing what `infer` computed: the logits, and the class token's
//! attention maps as an array and as pictures.

use std::path::Path;

use ndarray::Array4;

use crate::attention::ClassAttention;
use shared::{Error, Result};

pub(crate) fn write_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// Writes `attention` into `dir`: `attention.npy` (`N × heads × grid × grid`,
/// float32) and `image_NNNN.png` per image, the image (grey) then each head's
/// map over it, at the input's size.
///
/// # Errors
/// [`Error::Shape`] if there is not one set of maps per image or the image
/// is not the grid scaled by a whole factor; [`Error::NonFinite`] for NaN;
/// [`Error::Io`] if the directory or a file cannot be written.
pub fn write_attention_maps(
    dir: &Path,
    images: &Array4<f32>,
    attention: &ClassAttention,
) -> Result<()> {
    if attention.maps.dim().0 != images.dim().0 {
        return Err(Error::shape(
            "attention maps",
            format!("one set per image ({})", images.dim().0),
            attention.maps.dim().0.to_string(),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))?;
    let npy = dir.join("attention.npy");
    ndarray_npy::write_npy(&npy, &attention.maps).map_err(|e| write_error(&npy, e))?;
    for (i, image) in images.outer_iter().enumerate() {
        let grey = crate::attention::to_grey(image)?;
        let row = crate::attention::overlay_row(
            grey.view(),
            attention.maps.index_axis(ndarray::Axis(0), i),
        )?;
        let png = shared::image::rgb_png(row.view())?;
        let path = dir.join(format!("image_{i:04}.png"));
        std::fs::write(&path, png).map_err(|e| write_error(&path, e))?;
    }
    Ok(())
}
