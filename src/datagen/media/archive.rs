//! ZIP archives (stored entries, no compression): what an `application/zip` export holds, readable
//! by every unzip tool.

use super::image::crc32;

/// A ZIP archive of `(name, bytes)` entries, each stored as is.
pub fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    // 2026-01-02 00:00 in MS-DOS form: generated archives are byte-for-byte reproducible.
    let (time, date) = (0u16, ((2026u16 - 1980) << 9) | (1 << 5) | 2);
    for (name, data) in files {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let size = data.len() as u32;
        let name_bytes = name.as_bytes();
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            if central {
                h.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            h.extend_from_slice(&20u16.to_le_bytes()); // needed to extract
            h.extend_from_slice(&0x0800u16.to_le_bytes()); // UTF-8 names
            h.extend_from_slice(&0u16.to_le_bytes()); // stored
            h.extend_from_slice(&time.to_le_bytes());
            h.extend_from_slice(&date.to_le_bytes());
            h.extend_from_slice(&crc.to_le_bytes());
            h.extend_from_slice(&size.to_le_bytes());
            h.extend_from_slice(&size.to_le_bytes());
            h.extend_from_slice(&(name_bytes.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                h.extend_from_slice(&0u16.to_le_bytes()); // comment
                h.extend_from_slice(&0u16.to_le_bytes()); // disk
                h.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
                h.extend_from_slice(&0u32.to_le_bytes()); // external attributes
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(name_bytes);
            h
        };
        out.extend_from_slice(&header(0x0403_4b50, false));
        out.extend_from_slice(data);
        central.extend_from_slice(&header(0x0201_4b50, true));
    }
    let central_offset = out.len() as u32;
    let central_size = central.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]); // disk numbers
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// Checks the local header signature and that the end record points at a central directory.
pub fn check_zip(body: &[u8]) -> Result<(), String> {
    if !body.starts_with(b"PK\x03\x04") {
        return Err("no ZIP local file header".into());
    }
    if body.len() < 22 {
        return Err("too short for a ZIP end record".into());
    }
    let end = &body[body.len() - 22..];
    if !end.starts_with(b"PK\x05\x06") {
        return Err("no ZIP end-of-central-directory record".into());
    }
    let offset = u32::from_le_bytes([end[16], end[17], end[18], end[19]]) as usize;
    if body.get(offset..offset + 4) != Some(b"PK\x01\x02".as_slice()) {
        return Err("the end record does not point at the central directory".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_has_its_directory_and_entries() {
        let z = zip(&[("a.txt", b"ola"), ("b.csv", b"x\r\n1\r\n")]);
        check_zip(&z).unwrap();
        assert_eq!(z.windows(5).filter(|w| *w == b"a.txt").count(), 2);
    }
}
