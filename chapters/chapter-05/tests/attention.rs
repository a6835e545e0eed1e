//! The attention-mass measurement against hand-computed cases.

use chapter_05::attention::{ClassAttention, mean_stroke_mass, overlay_row, stroke_mass, upsample};
use ndarray::{Array2, Array3, array};

/// Uniform attention puts exactly the coverage on any mask; attention on one
/// patch puts all its mass on that patch's pixels and its share on a part.
#[test]
fn stroke_mass_against_hand_computed_cases() {
    let uniform = Array2::from_elem((2, 2), 0.25f32);
    let mut mask = Array2::from_elem((4, 4), false);
    mask[[0, 0]] = true;
    mask[[3, 2]] = true;
    mask[[3, 3]] = true;
    let m = stroke_mass(uniform.view(), mask.view()).unwrap();
    assert!((m.coverage - 3.0 / 16.0).abs() < 1e-12);
    assert!((m.mass - m.coverage).abs() < 1e-7, "{m:?}");
    let corner = array![[0.0f32, 0.0], [0.0, 1.0]];
    let m = stroke_mass(corner.view(), mask.view()).unwrap();
    assert!(
        (m.mass - 0.5).abs() < 1e-12,
        "two of the patch's four pixels: {m:?}"
    );
    let m = stroke_mass(corner.view(), Array2::from_elem((4, 4), false).view()).unwrap();
    assert_eq!((m.mass, m.coverage), (0.0, 0.0));
    assert!(stroke_mass(corner.view(), Array2::from_elem((5, 5), true).view()).is_err());
    assert!(stroke_mass(corner.view(), Array2::from_elem((4, 6), true).view()).is_err());
}

#[test]
fn upsampling_keeps_the_total_and_the_layout() {
    let map = array![[0.1f32, 0.2], [0.3, 0.4]];
    let up = upsample(map.view(), 3);
    assert_eq!(up.dim(), (6, 6));
    assert!((up.sum() - 1.0).abs() < 1e-6);
    assert!((up[[5, 0]] - 0.3 / 9.0).abs() < 1e-7);
    assert!((up[[0, 5]] - 0.2 / 9.0).abs() < 1e-7);
}

/// The grey image first, then one panel per head; the hottest patch of each
/// head is drawn in viridis's brightest colour mixed with the grey. The hot
/// patches are off the diagonal, so a transposed map would show.
#[test]
fn overlay_row_lays_out_the_panels() {
    let grey = Array2::from_elem((4, 4), 1.0);
    let mut maps = Array3::from_elem((2, 2, 2), 0.0f32);
    // Head 1 hot at the top right patch, head 2 at the bottom left.
    maps[[0, 0, 1]] = 1.0;
    maps[[1, 1, 0]] = 1.0;
    let row = overlay_row(grey.view(), maps.view()).unwrap();
    assert_eq!(row.dim(), (4, 3 * 4 + 2 * 2, 3));
    assert_eq!(row.slice(ndarray::s![0, 0, ..]).to_vec(), [255, 255, 255]);
    // Panel 1 starts at column 6, panel 2 at column 12.
    let hot = row.slice(ndarray::s![0, 6 + 3, ..]).to_vec();
    let cold = row.slice(ndarray::s![0, 6, ..]).to_vec();
    assert!(hot[0] > cold[0] && hot[1] > cold[1], "{hot:?} vs {cold:?}");
    assert_eq!(
        row.slice(ndarray::s![3, 12, ..]).to_vec(),
        hot,
        "head 2's hot patch"
    );
    assert_eq!(row.slice(ndarray::s![0, 12, ..]).to_vec(), cold);
    assert!(overlay_row(Array2::from_elem((5, 5), 1.0).view(), maps.view()).is_err());
    maps[[0, 0, 0]] = f32::NAN;
    assert!(
        overlay_row(grey.view(), maps.view()).is_err(),
        "NaN is an error"
    );
}

/// Means over images and heads, the coverage, and the ceiling (all weight on
/// the patch with the most stroke), on two hand-made images.
#[test]
fn mean_stroke_mass_over_images() {
    let mut maps = ndarray::Array4::zeros((2, 2, 2, 2));
    maps.slice_mut(ndarray::s![.., 0, .., ..]).fill(0.25f32);
    maps[[0, 1, 0, 0]] = 1.0;
    maps[[1, 1, 1, 1]] = 1.0;
    let attention = ClassAttention {
        maps,
        to_self: Array2::zeros((2, 2)),
    };
    // Image 0: the whole top-left patch is stroke; image 1: one pixel of it.
    let mut a = Array2::from_elem((4, 4), false);
    a.slice_mut(ndarray::s![0..2, 0..2]).fill(true);
    let mut b = Array2::from_elem((4, 4), false);
    b[[0, 0]] = true;
    let m = mean_stroke_mass(&[attention], &[a, b]).unwrap();
    assert!((m.coverage - (4.0 / 16.0 + 1.0 / 16.0) / 2.0).abs() < 1e-12);
    assert!((m.ceiling - (1.0 + 0.25) / 2.0).abs() < 1e-12);
    // Head 1 uniform: the coverage; head 2: all of image 0's patch, none of image 1's.
    assert!((m.mass[0][0] - m.coverage).abs() < 1e-7, "{m:?}");
    assert!((m.mass[0][1] - 0.5).abs() < 1e-7, "{m:?}");
    assert!(mean_stroke_mass(&[], &[]).unwrap().mass.is_empty());
    // A mask that is empty or not square is an error, not a panic or NaN.
    assert!(mean_stroke_mass(&[], &[Array2::from_elem((4, 2), true)]).is_err());
    assert!(
        stroke_mass(
            Array2::from_elem((2, 2), 0.25f32).view(),
            Array2::from_elem((0, 0), true).view()
        )
        .is_err()
    );
}
