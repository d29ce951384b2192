//! The memory photos may take while they are decoded, shared by the whole
//! process. A 24-megapixel photo decodes to 72 MB; a few at once would take the
//! server's memory with them. Each decode first takes its weight (what it holds
//! at its peak, told by the header before a pixel is read) from a semaphore of
//! `image_decode_budget_mb` megabytes; one that finds no room within
//! `image_decode_wait_secs` is answered 503 「服务器繁忙，请稍后再试」.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::kernel::error::{AppError, AppResult};

const MB: u64 = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct DecodeBudget {
    permits: Arc<Semaphore>,
    total_mb: u32,
    wait: Duration,
}

/// The bytes a decode holds at its peak: the decoded picture and the copy
/// shrunk to `max_side` on its longer side (or, when it is small enough, the
/// upright copy of a rotated photo, as large as the picture). The original is
/// dropped before the shrunk copy is turned and converted, so those never add
/// to it.
pub fn weight(width: u32, height: u32, bytes_per_pixel: u16, max_side: u32) -> u64 {
    let (w, h) = fit(width, height, max_side);
    let bpp = u64::from(bytes_per_pixel);
    (u64::from(width) * u64::from(height) + u64::from(w) * u64::from(h)) * bpp
}

/// The size of a `width` × `height` picture shrunk, ratio kept, to at most
/// `max_side` on either side (what `DynamicImage::thumbnail` makes).
fn fit(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_side || long == 0 {
        return (width, height);
    }
    let scale = |side: u32| {
        let s = u64::from(side) * u64::from(max_side) / u64::from(long);
        u32::try_from(s.max(1)).unwrap_or(max_side)
    };
    (scale(width), scale(height))
}

/// Whole megabytes for `bytes`, at least one and at most the whole budget: a
/// picture heavier than the budget waits until it has the budget to itself.
pub fn permits(bytes: u64, total_mb: u32) -> u32 {
    let mb = bytes.div_ceil(MB).max(1);
    u32::try_from(mb).unwrap_or(u32::MAX).min(total_mb.max(1))
}

impl DecodeBudget {
    pub fn new(total_mb: u32, wait: Duration) -> DecodeBudget {
        let total_mb = total_mb.max(1);
        DecodeBudget { permits: Arc::new(Semaphore::new(total_mb as usize)), total_mb, wait }
    }

    /// Room for a decode of `bytes`, held until the permit is dropped; `Busy`
    /// (503) after waiting the configured time.
    pub async fn acquire(&self, bytes: u64) -> AppResult<OwnedSemaphorePermit> {
        let n = permits(bytes, self.total_mb);
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_many_owned(n)).await {
            Ok(Ok(p)) => Ok(p),
            Ok(Err(e)) => Err(AppError::Internal(anyhow::anyhow!("decode budget closed: {e}"))),
            Err(_) => {
                tracing::warn!(mb = n, "no room to decode a photo: answered busy");
                Err(AppError::Busy)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_counts_the_picture_and_its_shrunk_copy() {
        // A 40-megapixel phone photo (7744 × 5163, RGB): 120 MB decoded and
        // 4096 × 2730 after shrinking.
        assert_eq!(fit(7744, 5163, 4096), (4096, 2730));
        assert_eq!(weight(7744, 5163, 3, 4096), (7744 * 5163 + 4096 * 2730) * 3);
        // Small enough to keep its size: the picture and an upright copy.
        assert_eq!(weight(4000, 3000, 3, 4096), 2 * 4000 * 3000 * 3);
        // Portrait, 16-bit RGBA PNG.
        assert_eq!(fit(3000, 9000, 4096), (1365, 4096));
        assert_eq!(weight(3000, 9000, 8, 4096), (3000 * 9000 + 1365 * 4096) * 8);
        // A one-pixel-high strip shrinks to one pixel, not zero.
        assert_eq!(fit(100_000, 1, 4096), (4096, 1));
        assert_eq!(weight(0, 0, 3, 4096), 0);
    }

    #[test]
    fn permits_are_whole_megabytes_within_the_budget() {
        assert_eq!(permits(0, 96), 1);
        assert_eq!(permits(1, 96), 1);
        assert_eq!(permits(MB, 96), 1);
        assert_eq!(permits(MB + 1, 96), 2);
        assert_eq!(permits(weight(7744, 5163, 3, 4096), 96), 96, "heavier than the budget: all of it");
        assert_eq!(permits(weight(4000, 3000, 3, 4096), 96), 69);
        assert_eq!(permits(u64::MAX, 0), 1);
    }

    #[tokio::test]
    async fn a_full_budget_answers_busy_after_the_wait() {
        let budget = DecodeBudget::new(10, Duration::from_millis(50));
        let held = budget.acquire(8 * MB).await.expect("room");
        assert!(budget.acquire(2 * MB).await.is_ok(), "what is left is enough");
        assert!(matches!(budget.acquire(3 * MB).await, Err(AppError::Busy)));
        drop(held);
        assert!(budget.acquire(100 * MB).await.is_ok(), "alone, a large one takes the whole budget");
    }
}
