//! git's delta format (`patch-delta.c`): an object rebuilt from a base and
//! a list of copies (from the base) and inserts (literal bytes).
//!
//! ```text
//! delta  = base-size target-size op*        sizes: 7 bits a byte, low first
//! op     = 1 oooo sss  offset-bytes size-bytes  copy: the bytes flagged, low
//!                                               first; size 0 means 0x10000
//!        | 0 nnnnnnn   n literal bytes        insert (n = 0 is invalid)
//! ```
//!
//! Applied as git applies it, and refused where git refuses: a base of
//! another size, a copy outside the base, more or fewer bytes than the
//! target size, an op cut short, op 0. A refusal is not an answer: the
//! object is then read by libgit2.

/// The largest object rebuilt here (larger ones are left to libgit2).
pub(super) const MAX_SIZE: usize = 64 << 20;

/// One of the delta's two leading sizes, and the rest of the delta.
fn size(delta: &[u8]) -> Option<(usize, &[u8])> {
    let mut n: u128 = 0;
    for (i, &b) in delta.iter().enumerate().take(10) {
        n |= u128::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((usize::try_from(n).ok()?, delta.get(i + 1..)?));
        }
    }
    None
}

/// Rebuild the object `delta` describes from `base` into `out` (cleared
/// first); `None` where git would refuse the delta.
pub(super) fn apply(base: &[u8], delta: &[u8], out: &mut Vec<u8>) -> Option<()> {
    // git's DELTA_SIZE_MIN: two sizes and an op at the least.
    if delta.len() < 4 {
        return None;
    }
    let (base_size, rest) = size(delta)?;
    if base_size != base.len() {
        return None;
    }
    let (target, mut ops) = size(rest)?;
    if target > MAX_SIZE {
        return None;
    }
    out.clear();
    out.reserve_exact(target);
    while let Some((&op, rest)) = ops.split_first() {
        ops = rest;
        let piece = if op & 0x80 != 0 {
            let mut field = |flags: u8, bytes: usize| -> Option<usize> {
                let mut v = 0usize;
                for i in 0..bytes {
                    if op & (flags << i) != 0 {
                        let (&b, rest) = ops.split_first()?;
                        ops = rest;
                        v |= usize::from(b) << (8 * i);
                    }
                }
                Some(v)
            };
            let offset = field(0x01, 4)?;
            let n = match field(0x10, 3)? {
                0 => 0x10000,
                n => n,
            };
            base.get(offset..offset.checked_add(n)?)?
        } else if op != 0 {
            let (piece, rest) = ops.split_at_checked(usize::from(op))?;
            ops = rest;
            piece
        } else {
            return None;
        };
        if piece.len() > target - out.len() {
            return None;
        }
        out.extend_from_slice(piece);
    }
    (out.len() == target).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let b = u8::try_from(n & 0x7f).expect("7 bits");
            n >>= 7;
            if n == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    /// A copy op of `n` bytes from `offset`, with only the nonzero bytes
    /// flagged (as git writes them).
    fn copy(offset: usize, n: usize, out: &mut Vec<u8>) {
        let mut op = 0x80u8;
        let mut args = Vec::new();
        for i in 0..4 {
            let b = u8::try_from((offset >> (8 * i)) & 0xff).expect("byte");
            if b != 0 {
                op |= 1 << i;
                args.push(b);
            }
        }
        let n = if n == 0x10000 { 0 } else { n };
        for i in 0..3 {
            let b = u8::try_from((n >> (8 * i)) & 0xff).expect("byte");
            if b != 0 {
                op |= 0x10 << i;
                args.push(b);
            }
        }
        out.push(op);
        out.extend(args);
    }

    fn header(base: usize, target: usize) -> Vec<u8> {
        let mut d = Vec::new();
        varint(base, &mut d);
        varint(target, &mut d);
        d
    }

    #[test]
    fn copies_and_inserts_rebuild_the_target() {
        let base: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut d = header(base.len(), 10 + 5 + 0x10000 + 3);
        copy(0, 10, &mut d);
        d.push(5);
        d.extend_from_slice(b"hello");
        copy(100, 0x10000, &mut d);
        copy(base.len() - 3, 3, &mut d);
        let mut want = base[..10].to_vec();
        want.extend_from_slice(b"hello");
        want.extend_from_slice(&base[100..100 + 0x10000]);
        want.extend_from_slice(&base[base.len() - 3..]);
        let mut out = Vec::new();
        assert_eq!(apply(&base, &d, &mut out), Some(()));
        assert_eq!(out, want);
        // Offset 0 and a size of one flagged byte: op 0x90.
        let mut d = header(base.len(), 1);
        copy(0, 1, &mut d);
        assert_eq!(d[d.len() - 2..], [0x90, 1]);
        assert_eq!(apply(&base, &d, &mut out), Some(()));
        assert_eq!(out, base[..1]);
    }

    #[test]
    fn deltas_git_refuses_are_refused() {
        let base = b"0123456789abcdef".to_vec();
        let ok = {
            let mut d = header(16, 8);
            copy(4, 4, &mut d);
            d.push(4);
            d.extend_from_slice(b"wxyz");
            d
        };
        let mut out = Vec::new();
        assert_eq!(apply(&base, &ok, &mut out), Some(()));
        assert_eq!(out, b"4567wxyz");
        let bad: Vec<(&str, Vec<u8>)> = vec![
            ("base of another size", {
                let mut d = ok.clone();
                d[0] = 15;
                d
            }),
            ("target larger than the ops", {
                let mut d = ok.clone();
                d[1] = 9;
                d
            }),
            ("target smaller than the ops", {
                let mut d = ok.clone();
                d[1] = 7;
                d
            }),
            ("copy past the base's end", {
                let mut d = header(16, 8);
                copy(12, 8, &mut d);
                d
            }),
            ("insert cut short", ok[..ok.len() - 1].to_vec()),
            ("copy's arguments cut short", {
                let mut d = header(16, 4);
                d.extend_from_slice(&[0x91, 4]);
                d
            }),
            ("op 0", {
                let mut d = header(16, 8);
                copy(4, 4, &mut d);
                d.push(0);
                d
            }),
            ("shorter than any delta", vec![16, 0, 0]),
            ("size that never ends", vec![0x80; 12]),
        ];
        for (why, d) in bad {
            assert_eq!(apply(&base, &d, &mut out), None, "{why}");
        }
    }

    #[test]
    fn a_target_too_large_is_left_to_libgit2() {
        let d = header(1, MAX_SIZE + 1);
        assert_eq!(
            apply(b"x", &[d, vec![0x91, 0, 1]].concat(), &mut Vec::new()),
            None
        );
    }
}
