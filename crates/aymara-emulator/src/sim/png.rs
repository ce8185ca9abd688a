//! Synthetic video frames: small PNGs written by hand (stored deflate blocks, no compression
//! library needed for 16×16 pixels).

/// A 16×16 RGB PNG whose colours depend on the frame number (uncompressed deflate blocks).
pub(crate) fn synthetic_png(frame: u64) -> Vec<u8> {
    const SIZE: u8 = 16;
    let seed = frame.to_le_bytes().first().copied().unwrap_or_default();
    // 16 rows of a filter byte and 16 RGB pixels.
    const RAW_LEN: usize = 16 * (1 + 16 * 3);
    let mut raw = Vec::with_capacity(RAW_LEN);
    for y in 0..SIZE {
        raw.push(0); // filter: none
        for x in 0..SIZE {
            raw.push(seed.wrapping_mul(37));
            raw.push(x.wrapping_mul(16) ^ seed);
            raw.push(y.wrapping_mul(16));
        }
    }
    // zlib stream with a single stored (uncompressed) deflate block.
    // 16 rows of 1 + 16 * 3 bytes: 784, well within one stored block.
    let len = u16::try_from(raw.len()).unwrap_or(u16::MAX);
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend_from_slice(&len.to_le_bytes());
    zlib.extend_from_slice(&(!len).to_le_bytes());
    zlib.extend_from_slice(&raw);
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());

    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&u32::from(SIZE).to_be_bytes());
    ihdr.extend_from_slice(&u32::from(SIZE).to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, no interlace

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"IDAT", &zlib);
    png_chunk(&mut png, b"IEND", &[]);
    png
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(out.get(start..).unwrap_or_default());
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in bytes {
        // Both stay below 65521, so the sums cannot overflow a u32.
        a = a.wrapping_add(u32::from(byte)) % 65521;
        b = b.wrapping_add(a) % 65521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_png_is_well_formed() {
        let png = synthetic_png(3);
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&png[12..16], b"IHDR");
        assert!(png.ends_with(&[0xae, 0x42, 0x60, 0x82])); // CRC of an empty IEND
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }
}
