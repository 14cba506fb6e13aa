//! The command's allocator: mimalloc for small blocks, the system's for large ones.
//!
//! Loading and compiling the rules makes about 200,000 small allocations
//! (regex syntax trees, rule fields, keyword forms), which took a third of
//! a small file's scan with the system allocator. Large blocks (read
//! buffers, chunk copies, record batches) stay with the system allocator,
//! which keeps freed ones for the next file where mimalloc returned them to
//! the kernel and faulted them in again (more system time, twice the peak
//! memory on the benchmark corpus).

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks from this size on go to the system allocator.
const LARGE: usize = 64 << 10;

/// Routes each block by its size (which `dealloc` and `realloc` are given
/// again, so a block is always freed by the allocator that made it).
pub struct Split;

fn small(layout: &Layout) -> bool {
    layout.size() < LARGE
}

// SAFETY: every call is forwarded to one of two allocators that uphold
// `GlobalAlloc`'s contract, chosen by the block's size, which the caller
// passes unchanged to `dealloc` and `realloc`; a block that changes sides
// in `realloc` is copied into a new block and the old one freed by its own
// allocator.
unsafe impl GlobalAlloc for Split {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { if small(&layout) { mimalloc::MiMalloc.alloc(layout) } else { System.alloc(layout) } }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { if small(&layout) { mimalloc::MiMalloc.alloc_zeroed(layout) } else { System.alloc_zeroed(layout) } }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated with `layout`, so by the same allocator.
        unsafe { if small(&layout) { mimalloc::MiMalloc.dealloc(ptr, layout) } else { System.dealloc(ptr, layout) } }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_small = new_size < LARGE;
        // SAFETY: `ptr` was allocated with `layout` by the allocator its
        // size names; the new layout is valid by the caller's guarantees.
        unsafe {
            match (small(&layout), new_small) {
                (true, true) => mimalloc::MiMalloc.realloc(ptr, layout, new_size),
                (false, false) => System.realloc(ptr, layout, new_size),
                _ => {
                    let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
                    let new = self.alloc(new_layout);
                    if !new.is_null() {
                        std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                    new
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block filled with `n` bytes counting up from `seed`.
    fn filled(n: usize, seed: u8) -> (*mut u8, Layout) {
        let layout = Layout::from_size_align(n, 8).unwrap();
        // SAFETY: `layout` has a non-zero size.
        let p = unsafe { Split.alloc(layout) };
        assert!(!p.is_null());
        for i in 0..n {
            // SAFETY: `i < n`, inside the block.
            unsafe { p.add(i).write(seed.wrapping_add(i as u8)) };
        }
        (p, layout)
    }

    fn holds(p: *const u8, n: usize, seed: u8) -> bool {
        // SAFETY: the caller's block holds at least `n` initialized bytes.
        (0..n).all(|i| unsafe { p.add(i).read() } == seed.wrapping_add(i as u8))
    }

    #[test]
    fn blocks_keep_their_bytes_when_they_change_sides() {
        for (from, to) in [(100, LARGE + 100), (LARGE + 100, 100), (LARGE - 1, LARGE), (10, 20), (LARGE, 2 * LARGE)] {
            let (p, layout) = filled(from, 7);
            // SAFETY: `p` was allocated by `Split` with `layout`.
            let q = unsafe { Split.realloc(p, layout, to) };
            assert!(!q.is_null());
            assert!(holds(q, from.min(to), 7), "{from} -> {to} bytes");
            // SAFETY: `q` is the reallocated block, of `to` bytes.
            unsafe { Split.dealloc(q, Layout::from_size_align(to, 8).unwrap()) };
        }
    }

    #[test]
    fn zeroed_blocks_are_zero_on_both_sides() {
        for n in [64, LARGE + 64] {
            let layout = Layout::from_size_align(n, 16).unwrap();
            // SAFETY: non-zero size; the block is freed with its layout.
            unsafe {
                let p = Split.alloc_zeroed(layout);
                assert!(!p.is_null() && (p as usize).is_multiple_of(16));
                assert!((0..n).all(|i| p.add(i).read() == 0));
                Split.dealloc(p, layout);
            }
        }
    }

    #[test]
    fn alignment_is_kept_on_both_sides() {
        for (n, align) in [(24, 64), (LARGE + 8, 4096)] {
            let layout = Layout::from_size_align(n, align).unwrap();
            // SAFETY: non-zero size; the block is freed with its layout.
            unsafe {
                let p = Split.alloc(layout);
                assert!(!p.is_null() && (p as usize).is_multiple_of(align), "{n} bytes aligned to {align}");
                Split.dealloc(p, layout);
            }
        }
    }
}
