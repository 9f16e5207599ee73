//! Real, decodable images for `image/*` media: a small picture (a portrait silhouette on a soft
//! background, the kind of placeholder a document-photo or selfie field would hold) drawn from the
//! RNG, encoded as PNG, GIF or BMP by hand (the formats are simple enough) and as JPEG by the
//! `jpeg-encoder` crate, plus an SVG drawing of the same shapes.

use rand::Rng;
use rand::RngExt;

/// An indexed-colour picture: a palette of RGB colours and one palette index per pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub width: u16,
    pub height: u16,
    pub palette: Vec<[u8; 3]>,
    pub pixels: Vec<u8>,
}

/// Side of the square pictures, in pixels: big enough to look like something, small enough to
/// keep uncompressed encodings light.
pub const SIDE: u16 = 96;

impl Picture {
    /// A portrait silhouette (head and shoulders) in colours drawn from `rng`.
    pub fn portrait<R: Rng + ?Sized>(rng: &mut R, side: u16) -> Picture {
        let side = side.max(8);
        let hue = rng.random_range(0..6u8);
        let (bg_top, bg_bottom) = BACKGROUNDS[hue as usize];
        let figure = FIGURES[rng.random_range(0..FIGURES.len())];
        // Palette: 16 shades of the background gradient, then the figure.
        let mut palette: Vec<[u8; 3]> = (0..16)
            .map(|i| {
                let t = i as f32 / 15.0;
                let mix = |a: u8, b: u8| (a as f32 + (b as f32 - a as f32) * t).round() as u8;
                [
                    mix(bg_top[0], bg_bottom[0]),
                    mix(bg_top[1], bg_bottom[1]),
                    mix(bg_top[2], bg_bottom[2]),
                ]
            })
            .collect();
        palette.push(figure);
        let figure_index = (palette.len() - 1) as u8;

        let s = f32::from(side);
        let (cx, head_cy, head_r) = (s / 2.0, s * 0.40, s * 0.18);
        let (shoulder_cy, shoulder_rx, shoulder_ry) = (s * 1.02, s * 0.36, s * 0.36);
        let mut pixels = Vec::with_capacity(usize::from(side) * usize::from(side));
        for y in 0..side {
            let fy = f32::from(y) + 0.5;
            let shade = ((u32::from(y) * 16) / u32::from(side)).min(15) as u8;
            for x in 0..side {
                let fx = f32::from(x) + 0.5;
                let in_head = (fx - cx).powi(2) + (fy - head_cy).powi(2) <= head_r * head_r;
                let in_body = ((fx - cx) / shoulder_rx).powi(2)
                    + ((fy - shoulder_cy) / shoulder_ry).powi(2)
                    <= 1.0;
                pixels.push(if in_head || in_body {
                    figure_index
                } else {
                    shade
                });
            }
        }
        Picture {
            width: side,
            height: side,
            palette,
            pixels,
        }
    }

    /// The picture as packed RGB triples, row by row from the top.
    pub fn rgb(&self) -> Vec<u8> {
        self.pixels
            .iter()
            .flat_map(|&i| {
                self.palette
                    .get(usize::from(i))
                    .copied()
                    .unwrap_or([0, 0, 0])
            })
            .collect()
    }
}

const BACKGROUNDS: [([u8; 3], [u8; 3]); 6] = [
    ([214, 230, 245], [160, 190, 222]),
    ([236, 226, 208], [205, 184, 150]),
    ([222, 238, 222], [168, 204, 170]),
    ([240, 222, 228], [212, 170, 186]),
    ([228, 228, 236], [176, 176, 196]),
    ([246, 238, 210], [220, 200, 140]),
];

const FIGURES: [[u8; 3]; 4] = [[72, 84, 102], [96, 76, 66], [58, 70, 58], [88, 88, 96]];

/// CRC-32 (ISO-HDLC, the one PNG and ZIP use).
pub fn crc32(bytes: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (n, slot) in t.iter_mut().enumerate() {
            let mut c = n as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *slot = c;
        }
        t
    });
    let mut c = 0xffff_ffffu32;
    for &b in bytes {
        c = table[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    c ^ 0xffff_ffff
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// A zlib stream of stored (uncompressed) deflate blocks: valid for every inflater, no compressor
/// needed for pictures this small.
pub fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut chunks = data.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        out.push(u8::from(last));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// PNG, indexed colour, 8 bits per pixel.
pub fn png(p: &Picture) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&u32::from(p.width).to_be_bytes());
    ihdr.extend_from_slice(&u32::from(p.height).to_be_bytes());
    // Bit depth 8, colour type 3 (palette), deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[8, 3, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    let plte: Vec<u8> = p.palette.iter().flatten().copied().collect();
    png_chunk(&mut out, b"PLTE", &plte);
    let mut raw = Vec::with_capacity(p.pixels.len() + usize::from(p.height));
    for row in p.pixels.chunks(usize::from(p.width).max(1)) {
        raw.push(0); // filter: none
        raw.extend_from_slice(row);
    }
    png_chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// Baseline JPEG of the picture.
pub fn jpeg(p: &Picture) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut out, 85);
    encoder
        .encode(&p.rgb(), p.width, p.height, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// GIF89a. The LZW stream is written without compression: a clear code before the code table
/// would grow past the initial width, so every code has the same width and any decoder reads it.
pub fn gif(p: &Picture) -> Vec<u8> {
    // A global colour table of 2^(n+1) entries with n = 4: 32 colours, enough for the palette.
    const TABLE_BITS: u8 = 5;
    let entries = 1usize << TABLE_BITS;
    let mut out = b"GIF89a".to_vec();
    out.extend_from_slice(&p.width.to_le_bytes());
    out.extend_from_slice(&p.height.to_le_bytes());
    out.push(0x80 | (TABLE_BITS - 1)); // global table present, its size
    out.push(0); // background colour index
    out.push(0); // aspect ratio
    for i in 0..entries {
        out.extend_from_slice(&p.palette.get(i).copied().unwrap_or([0, 0, 0]));
    }
    // Image descriptor: whole canvas, no local table, not interlaced.
    out.push(0x2c);
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&p.width.to_le_bytes());
    out.extend_from_slice(&p.height.to_le_bytes());
    out.push(0);

    let min_code_size = TABLE_BITS.max(2);
    out.push(min_code_size);
    let clear = 1u32 << min_code_size;
    let end = clear + 1;
    let width = u32::from(min_code_size) + 1;
    // Each literal adds a table entry; clear before the next code would need one more bit.
    let run = (1usize << min_code_size) - 2;
    let mut bits = BitWriter::default();
    for chunk in p.pixels.chunks(run) {
        bits.put(clear, width);
        for &px in chunk {
            bits.put(u32::from(px), width);
        }
    }
    bits.put(end, width);
    let data = bits.finish();
    for block in data.chunks(255) {
        out.push(block.len() as u8);
        out.extend_from_slice(block);
    }
    out.push(0); // block terminator
    out.push(0x3b); // trailer
    out
}

/// Packs codes least significant bit first, as GIF wants.
#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl BitWriter {
    fn put(&mut self, code: u32, width: u32) {
        self.acc |= code << self.n;
        self.n += width;
        while self.n >= 8 {
            self.out.push((self.acc & 0xff) as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push((self.acc & 0xff) as u8);
        }
        self.out
    }
}

/// Windows bitmap, 24 bits, bottom-up rows padded to four bytes.
pub fn bmp(p: &Picture) -> Vec<u8> {
    let (w, h) = (u32::from(p.width), u32::from(p.height));
    let row = (w * 3).div_ceil(4) * 4;
    let size = 54 + row * h;
    let mut out = Vec::with_capacity(size as usize);
    out.extend_from_slice(b"BM");
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&54u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&w.to_le_bytes());
    out.extend_from_slice(&h.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // no compression
    out.extend_from_slice(&(row * h).to_le_bytes());
    out.extend_from_slice(&2835u32.to_le_bytes()); // 72 dpi
    out.extend_from_slice(&2835u32.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    let rgb = p.rgb();
    for y in (0..h as usize).rev() {
        let start = y * w as usize * 3;
        for px in rgb[start..start + w as usize * 3].chunks(3) {
            out.extend_from_slice(&[px[2], px[1], px[0]]);
        }
        out.resize(out.len() + (row - w * 3) as usize, 0);
    }
    out
}

/// The same portrait as an SVG drawing.
pub fn svg(p: &Picture) -> String {
    let hex = |c: [u8; 3]| format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
    let top = p.palette.first().copied().unwrap_or([255, 255, 255]);
    let bottom = p.palette.get(15).copied().unwrap_or(top);
    let figure = p.palette.last().copied().unwrap_or([0, 0, 0]);
    let s = f32::from(p.width);
    format!(
        concat!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{w}\" viewBox=\"0 0 {w} {w}\">",
            "<defs><linearGradient id=\"bg\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">",
            "<stop offset=\"0\" stop-color=\"{top}\"/><stop offset=\"1\" stop-color=\"{bottom}\"/>",
            "</linearGradient></defs>",
            "<rect width=\"{w}\" height=\"{w}\" fill=\"url(#bg)\"/>",
            "<circle cx=\"{cx}\" cy=\"{hy}\" r=\"{hr}\" fill=\"{fig}\"/>",
            "<ellipse cx=\"{cx}\" cy=\"{by}\" rx=\"{br}\" ry=\"{br}\" fill=\"{fig}\"/>",
            "</svg>"
        ),
        w = p.width,
        top = hex(top),
        bottom = hex(bottom),
        cx = s / 2.0,
        hy = s * 0.40,
        hr = s * 0.18,
        by = s * 1.02,
        br = s * 0.36,
        fig = hex(figure),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    fn picture() -> Picture {
        Picture::portrait(&mut ChaCha8Rng::seed_from_u64(3), SIDE)
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    #[test]
    fn png_chunks_carry_valid_checksums() {
        let bytes = png(&picture());
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        let mut at = 8;
        let mut kinds = Vec::new();
        while at < bytes.len() {
            let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            let body = &bytes[at + 4..at + 8 + len];
            let crc = u32::from_be_bytes(bytes[at + 8 + len..at + 12 + len].try_into().unwrap());
            assert_eq!(crc32(body), crc);
            kinds.push(String::from_utf8_lossy(&body[..4]).to_string());
            at += 12 + len;
        }
        assert_eq!(kinds, ["IHDR", "PLTE", "IDAT", "IEND"]);
    }

    #[test]
    fn picture_has_a_figure_and_a_background() {
        let p = picture();
        let figure = (p.palette.len() - 1) as u8;
        let share =
            p.pixels.iter().filter(|&&i| i == figure).count() as f32 / p.pixels.len() as f32;
        assert!(share > 0.15 && share < 0.6, "{share}");
    }

    #[test]
    fn bmp_has_the_declared_size() {
        let b = bmp(&picture());
        assert_eq!(&b[..2], b"BM");
        assert_eq!(
            u32::from_le_bytes(b[2..6].try_into().unwrap()) as usize,
            b.len()
        );
    }
}
