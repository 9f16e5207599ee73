//! Reads the pixel rows of a PNG whose IDAT holds stored (uncompressed) deflate blocks, checking
//! every chunk's CRC and the zlib Adler-32 on the way.

pub fn idat_pixels(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err("no PNG signature".into());
    }
    let mut at = 8;
    let mut idat = Vec::new();
    while at + 12 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().map_err(|_| "length")?) as usize;
        let kind = &bytes[at + 4..at + 8];
        let data = bytes
            .get(at + 8..at + 8 + len)
            .ok_or("chunk overruns the file")?;
        let crc = u32::from_be_bytes(
            bytes[at + 8 + len..at + 12 + len]
                .try_into()
                .map_err(|_| "crc")?,
        );
        if finsandbox::datagen::media::image::crc32(&bytes[at + 4..at + 8 + len]) != crc {
            return Err(format!("bad CRC in {}", String::from_utf8_lossy(kind)));
        }
        if kind == b"IDAT" {
            idat.extend_from_slice(data);
        }
        at += 12 + len;
    }
    // zlib header, then stored blocks: BFINAL/BTYPE byte, LEN, NLEN, data.
    let mut i = 2;
    let mut out = Vec::new();
    loop {
        let header = *idat.get(i).ok_or("truncated deflate stream")?;
        if header & 0b110 != 0 {
            return Err("not a stored block".into());
        }
        let len = u16::from_le_bytes([idat[i + 1], idat[i + 2]]) as usize;
        let nlen = u16::from_le_bytes([idat[i + 3], idat[i + 4]]);
        if nlen != !(len as u16) {
            return Err("LEN and NLEN disagree".into());
        }
        out.extend_from_slice(idat.get(i + 5..i + 5 + len).ok_or("block overruns")?);
        i += 5 + len;
        if header & 1 == 1 {
            break;
        }
    }
    let adler = u32::from_be_bytes(idat[i..i + 4].try_into().map_err(|_| "adler")?);
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &out {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    if (b << 16) | a != adler {
        return Err("bad Adler-32".into());
    }
    Ok(out)
}
