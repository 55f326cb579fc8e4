//! Sentence vectors from token vectors: sentence-transformers' `Pooling`
//! (mean over real tokens) and `Normalize` modules.

use candle_core::{D, DType, Result, Tensor};

/// Mean of the token vectors `hidden` (batch x tokens x dim) over the tokens
/// where `mask` (batch x tokens, 1 = real token, 0 = padding) is 1; a row
/// with no real token gives zeros (sentence-transformers clamps the count
/// at 1e-9 the same way).
pub fn mean_pool(hidden: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let mask = mask.to_dtype(hidden.dtype())?.unsqueeze(D::Minus1)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    let counts = mask.sum(1)?.maximum(1e-9)?;
    summed.broadcast_div(&counts)
}

/// Each row of `x` (batch x dim) divided by its Euclidean length (at least
/// 1e-12, as torch's `F.normalize`).
pub fn l2_normalize(x: &Tensor) -> Result<Tensor> {
    let norms = x
        .to_dtype(DType::F32)?
        .sqr()?
        .sum_keepdim(D::Minus1)?
        .sqrt()?
        .maximum(1e-12)?
        .to_dtype(x.dtype())?;
    x.broadcast_div(&norms)
}
