//! Photos are decoded and encoded afresh: what we store has the pixels and
//! nothing else. Phones put the place a photo was taken (EXIF GPS), the device
//! and the time into the file; a photo of a resident's home must not carry its
//! coordinates to everyone who can open the activity record.

use std::io::{BufRead, Seek};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use super::check::Kind;
use crate::kernel::error::{AppError, AppResult};

/// Refuse larger images before decoding them: a small file can declare a huge
/// image (a decompression bomb). 40 megapixels is above any phone camera.
pub const MAX_PIXELS: u64 = 40_000_000;
/// The cap for photos from the public box, where anyone may send: phones
/// save 12 to 24 megapixels unless set otherwise, and a 24 MP photo's decode
/// (72 MB, plus the shrunk copy) fits the default decode budget.
pub const MAX_PUBLIC_PIXELS: u64 = 24_000_000;
/// Longer side of what we keep; more is only weight for a page or a printout.
pub const MAX_SIDE: u32 = 4096;
pub const JPEG_QUALITY: u8 = 85;

fn limits() -> Limits {
    let mut l = Limits::default();
    // Strict caps on each side (checked from the header), and the decoder's
    // allocations held to the pixel budget at 4 bytes a pixel: a 16-bit RGBA
    // PNG of 40 megapixels is refused too.
    l.max_image_width = Some(60_000);
    l.max_image_height = Some(60_000);
    l.max_alloc = Some(MAX_PIXELS * 4);
    l
}

fn decode_error(e: ImageError) -> AppError {
    match e {
        ImageError::Limits(_) => AppError::BadRequest("file.too_many_pixels"),
        _ => AppError::BadRequest("file.damaged"),
    }
}

/// What a photo's header says: enough to weigh its decode (`budget::weight`)
/// before a pixel is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub width: u32,
    pub height: u32,
    pub bytes_per_pixel: u16,
}

fn format_of(kind: Kind) -> AppResult<ImageFormat> {
    match kind {
        Kind::Jpeg => Ok(ImageFormat::Jpeg),
        Kind::Png => Ok(ImageFormat::Png),
        _ => Err(AppError::Internal(anyhow::anyhow!("an image operation called for {kind:?}"))),
    }
}

fn decoder<R: BufRead + Seek + 'static>(
    source: R,
    kind: Kind,
    max_pixels: u64,
) -> AppResult<(impl ImageDecoder, Header)> {
    let mut reader = ImageReader::with_format(source, format_of(kind)?);
    reader.limits(limits());
    let decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(AppError::BadRequest("file.too_many_pixels"));
    }
    if width == 0 || height == 0 {
        return Err(AppError::BadRequest("file.damaged"));
    }
    let bytes_per_pixel = decoder.color_type().bytes_per_pixel().into();
    Ok((decoder, Header { width, height, bytes_per_pixel }))
}

/// Reads the header only; refuses more than `max_pixels` and broken headers.
pub fn probe<R: BufRead + Seek + 'static>(source: R, kind: Kind, max_pixels: u64) -> AppResult<Header> {
    decoder(source, kind, max_pixels).map(|(_, h)| h)
}

/// Decodes, shrinks the picture to `MAX_SIDE`, turns it upright (the EXIF
/// orientation goes with the EXIF), and encodes it in its own format again.
/// CPU-heavy: call it off the async threads, holding its `budget::weight`.
pub fn reencode<R: BufRead + Seek + 'static>(source: R, kind: Kind, max_pixels: u64) -> AppResult<Vec<u8>> {
    let (mut decoder, _) = decoder(source, kind, max_pixels)?;
    // A broken EXIF block only costs the rotation, not the photo.
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    if img.width().max(img.height()) > MAX_SIDE {
        // `thumbnail` averages integer pixels into the target; `resize` would
        // keep a 16-byte-per-pixel float copy of the tall intermediate image
        // (hundreds of MB for a 40 MP photo). Shrinking first (the box is
        // square, so turning after is the same picture) frees the full-size
        // one before the turn copies anything.
        img = img.thumbnail(MAX_SIDE, MAX_SIDE);
    }
    img.apply_orientation(orientation);
    let mut out = Vec::new();
    let encoded = match kind {
        Kind::Jpeg => {
            // JPEG has no alpha; grey stays grey, everything else becomes RGB.
            // (`into_rgb8` keeps an RGB picture's buffer rather than copying it.)
            let img = match img {
                DynamicImage::ImageLuma8(_) => img,
                other => DynamicImage::ImageRgb8(other.into_rgb8()),
            };
            img.write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
        }
        _ => img.write_with_encoder(PngEncoder::new_with_quality(
            &mut out,
            CompressionType::Default,
            FilterType::Adaptive,
        )),
    };
    encoded.map_err(|e| AppError::Internal(anyhow::anyhow!("encoding {kind:?}: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};
    use std::io::Cursor;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img).write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90)).expect("encode");
        out
    }

    /// Inserts an APP1 Exif segment (big-endian TIFF, IFD0 with Orientation and
    /// a GPS IFD pointer, then a GPS IFD with a latitude ref) right after SOI,
    /// as a phone would.
    fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let mut tiff: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
        // IFD0: two entries.
        tiff.extend_from_slice(&2u16.to_be_bytes());
        tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]); // Orientation, SHORT, 1
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0]);
        let gps_ifd_offset: u32 = 8 + 2 + 2 * 12 + 4;
        tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1]); // GPSInfo, LONG, 1
        tiff.extend_from_slice(&gps_ifd_offset.to_be_bytes());
        tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
        // GPS IFD: GPSLatitudeRef = "N", plus a recognisable marker.
        tiff.extend_from_slice(&1u16.to_be_bytes());
        tiff.extend_from_slice(&[0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
        tiff.extend_from_slice(&0u32.to_be_bytes());
        tiff.extend_from_slice(b"GPS-SECRET-34.77N-111.19E");
        let mut seg = b"Exif\0\0".to_vec();
        seg.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xff, 0xe1]);
        out.extend_from_slice(&u16::try_from(seg.len() + 2).expect("small").to_be_bytes());
        out.extend_from_slice(&seg);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn contains(h: &[u8], n: &[u8]) -> bool {
        h.windows(n.len()).any(|w| w == n)
    }

    #[test]
    fn exif_is_gone_and_the_photo_is_upright() {
        let original = with_exif(&jpeg(40, 20), 6); // 6: rotate 90° clockwise to view
        assert!(contains(&original, b"GPS-SECRET"));
        let mut probe =
            ImageReader::with_format(Cursor::new(original.clone()), ImageFormat::Jpeg).into_decoder().expect("decoder");
        assert!(probe.exif_metadata().expect("exif").is_some(), "the test image carries EXIF");

        let out = reencode(Cursor::new(original.clone()), Kind::Jpeg, MAX_PIXELS).expect("reencode");
        assert!(out.starts_with(b"\xff\xd8\xff"));
        assert!(!contains(&out, b"Exif\0\0"));
        assert!(!contains(&out, b"GPS-SECRET"));
        let mut d = ImageReader::with_format(Cursor::new(&out), ImageFormat::Jpeg).into_decoder().expect("decoder");
        assert_eq!(d.exif_metadata().expect("exif"), None);
        assert_eq!(d.dimensions(), (20, 40), "rotated upright");
        // Deterministic: the same upload gives the same bytes (and so the same hash).
        assert_eq!(reencode(Cursor::new(original.clone()), Kind::Jpeg, MAX_PIXELS).expect("again"), out);
    }

    #[test]
    fn large_images_are_shrunk_png_stays_png_with_alpha() {
        let img = RgbaImage::from_fn(MAX_SIDE + 100, 10, |x, _| Rgba([0, 0, 0, (x % 256) as u8]));
        let mut png = Vec::new();
        DynamicImage::ImageRgba8(img).write_with_encoder(PngEncoder::new(&mut png)).expect("encode");
        let out = reencode(Cursor::new(png.clone()), Kind::Png, MAX_PIXELS).expect("reencode");
        let back = image::load_from_memory_with_format(&out, ImageFormat::Png).expect("decode");
        assert_eq!(back.width(), MAX_SIDE);
        assert!(back.color().has_alpha());
    }

    #[test]
    fn broken_and_oversized_images_are_refused() {
        let mut cut = jpeg(64, 64);
        cut.truncate(cut.len() / 3);
        assert_eq!(
            reencode(Cursor::new(b"\xff\xd8\xff\xe0garbage".to_vec()), Kind::Jpeg, MAX_PIXELS)
                .err()
                .map(|e| e.message_key()),
            Some("file.damaged")
        );
        assert!(reencode(Cursor::new(cut.clone()), Kind::Jpeg, MAX_PIXELS).is_err());
        // A real 1 × 1 PNG whose header then claims 10000 × 10000 pixels: refused
        // before any pixel is decoded.
        let mut bomb = Vec::new();
        DynamicImage::ImageRgb8(RgbImage::new(1, 1)).write_with_encoder(PngEncoder::new(&mut bomb)).expect("encode");
        bomb[16..24].copy_from_slice(&[10_000u32.to_be_bytes(), 10_000u32.to_be_bytes()].concat());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(
            reencode(Cursor::new(bomb.clone()), Kind::Png, MAX_PIXELS).err().map(|e| e.message_key()),
            Some("file.too_many_pixels")
        );
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
}
