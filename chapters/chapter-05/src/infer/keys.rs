//! The official CRATE parameter names and ours, both ways.

/// Official parameter names (regex) and ours (replacement), in the order applied.
pub const KEY_MAP: [(&str, &str); 12] = [
    // Multi-GPU (DistributedDataParallel) checkpoints prefix every key.
    (r"^module\.", ""),
    // The demo checkpoints' separate classifier, before `mlp_head.1` takes our name `head`.
    (r"^head\.", "classifier."),
    (r"^to_patch_embedding\.1\.", "patch_norm."),
    (r"^to_patch_embedding\.2\.", "patch_linear."),
    (r"^to_patch_embedding\.3\.", "embed_norm."),
    (
        r"^transformer\.layers\.(\d+)\.0\.norm\.",
        "layers.$1.attn.norm.",
    ),
    (
        r"^transformer\.layers\.(\d+)\.0\.fn\.qkv\.",
        "layers.$1.attn.qkv.",
    ),
    (
        r"^transformer\.layers\.(\d+)\.0\.fn\.to_out\.0\.",
        "layers.$1.attn.to_out.",
    ),
    (
        r"^transformer\.layers\.(\d+)\.1\.norm\.",
        "layers.$1.ista.norm.",
    ),
    (
        r"^transformer\.layers\.(\d+)\.1\.fn\.weight$",
        "layers.$1.ista.weight",
    ),
    (r"^mlp_head\.0\.", "head_norm."),
    (r"^mlp_head\.1\.", "head."),
];

/// Our parameter names (regex) and the official ones (replacement), for
/// [`save_weights`](super::save_weights): [`KEY_MAP`] read backwards. `head.` is renamed before
/// `classifier.` takes the name `head.`.
pub const OFFICIAL_KEY_MAP: [(&str, &str); 11] = [
    (r"^head\.", "mlp_head.1."),
    (r"^classifier\.", "head."),
    (r"^head_norm\.", "mlp_head.0."),
    (r"^patch_norm\.", "to_patch_embedding.1."),
    (r"^patch_linear\.", "to_patch_embedding.2."),
    (r"^embed_norm\.", "to_patch_embedding.3."),
    (
        r"^layers\.(\d+)\.attn\.norm\.",
        "transformer.layers.$1.0.norm.",
    ),
    (
        r"^layers\.(\d+)\.attn\.qkv\.",
        "transformer.layers.$1.0.fn.qkv.",
    ),
    (
        r"^layers\.(\d+)\.attn\.to_out\.",
        "transformer.layers.$1.0.fn.to_out.0.",
    ),
    (
        r"^layers\.(\d+)\.ista\.norm\.",
        "transformer.layers.$1.1.norm.",
    ),
    (
        r"^layers\.(\d+)\.ista\.weight$",
        "transformer.layers.$1.1.fn.weight",
    ),
];

/// Our parameter path back to the official name (for error messages).
pub fn official_name(path: &str) -> String {
    let layer = |rest: &str| -> Option<(String, String)> {
        let (n, tail) = rest.split_once('.')?;
        Some((n.to_string(), tail.to_string()))
    };
    let ln = |t: &str| t.replace("gamma", "weight").replace("beta", "bias");
    if let Some((n, tail)) = path.strip_prefix("layers.").and_then(layer) {
        let mapped = [
            ("attn.norm.", "0.norm."),
            ("attn.qkv.", "0.fn.qkv."),
            ("attn.to_out.", "0.fn.to_out.0."),
            ("ista.norm.", "1.norm."),
            ("ista.weight", "1.fn.weight"),
        ]
        .iter()
        .find_map(|(ours, theirs)| {
            tail.strip_prefix(ours)
                .map(|t| format!("{theirs}{}", ln(t)))
        });
        if let Some(m) = mapped {
            return format!("transformer.layers.{n}.{m}");
        }
    }
    for (ours, theirs) in [
        ("patch_norm.", "to_patch_embedding.1."),
        ("patch_linear.", "to_patch_embedding.2."),
        ("embed_norm.", "to_patch_embedding.3."),
        ("head_norm.", "mlp_head.0."),
        ("head.", "mlp_head.1."),
        ("classifier.", "head."),
    ] {
        if let Some(t) = path.strip_prefix(ours) {
            return format!("{theirs}{}", ln(t));
        }
    }
    path.to_string()
}

/// A burn-store message with the tensor it quotes (`'layers.0.attn.qkv.weight'`)
/// named as in the checkpoint.
pub(crate) fn with_official_name(message: &str) -> String {
    let mut parts = message.splitn(3, '\'');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(before), Some(path), Some(after)) => {
            format!("{before}'{}'{after}", official_name(path))
        }
        _ => message.to_string(),
    }
}
