//! Writing output files all at once or not at all, readable only by their owner:
//! they hold personal data. Nothing the organiser owns is deleted or replaced:
//! a manifest in each output folder lists the files this tool wrote there, and
//! only those are ever replaced.

use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use mentorflow::report::OutputFile;

/// The file in an output folder listing the files this tool wrote there.
pub const MANIFEST: &str = ".mentorflow-manifest";
/// How a staging folder inside an output folder is named, before its unique part.
const CHILD_STAGING: &str = ".mentorflow-staging-";
/// The file in a staging folder that its run holds locked while it lives: a
/// staging folder whose lock is free was left by a killed run.
const LOCK: &str = ".lock";
/// A manifest larger than this is not one this tool wrote.
const MAX_MANIFEST_BYTES: u64 = 64 * 1024;

/// Write `files` into `dir`, which may exist (a link to a folder is written
/// through to it). Every file is written in full into a hidden staging folder
/// first, then moved into place, so a failure or a kill while writing leaves
/// the old outputs. A new `dir` appears in one step; in an existing one each
/// file is replaced in one step and a killed run's staging folder is finished
/// or removed by the next run.
///
/// Refused, with nothing written: a `dir` that is or holds one of `inputs`;
/// without `force`, a `dir` already holding outputs (files this tool names);
/// with `force`, a file of an output's name that the manifest does not list.
/// Other files in `dir` are never touched.
pub fn write_all(dir: &Path, files: &[OutputFile], force: bool, inputs: &[&Path]) -> Result<(), String> {
    let shown = dir.display();
    refuse_inputs(dir, inputs)?;
    match fs::metadata(dir) {
        Ok(m) if !m.is_dir() => Err(format!("{shown} exists and is not a folder; choose another --out")),
        Ok(_) => {
            remove_stale_beside(dir);
            into_existing(dir, files, force)
        }
        Err(_) if fs::symlink_metadata(dir).is_ok() => Err(format!(
            "{shown} is a link to a folder that does not exist{}; create that folder, or choose another --out",
            fs::read_link(dir)
                .map(|t| format!(" ({})", t.display()))
                .unwrap_or_default()
        )),
        Err(_) => {
            remove_stale_beside(dir);
            into_new(dir, files)
        }
    }
}

/// Refuse an output folder that is, or holds, an input file: checked again
/// when writing, and before the work so a refusal comes at once.
pub fn refuse_inputs(dir: &Path, inputs: &[&Path]) -> Result<(), String> {
    let Ok(out) = fs::canonicalize(dir) else {
        return Ok(()); // nothing there yet can hold an input
    };
    for input in inputs {
        let Ok(path) = fs::canonicalize(input) else {
            continue;
        };
        if path == out {
            return Err(format!(
                "--out {} is the input file {}; name a new folder for the outputs",
                dir.display(),
                input.display()
            ));
        }
        if path.starts_with(&out) {
            return Err(format!(
                "--out {} holds the input file {}; outputs are never written beside their inputs: name a new folder for --out (for example {}), or move the inputs out of it",
                dir.display(),
                input.display(),
                suggestion(dir).display()
            ));
        }
    }
    Ok(())
}

/// A new folder beside `dir` to suggest for --out.
fn suggestion(dir: &Path) -> PathBuf {
    match dir.file_name().map(|n| n.to_string_lossy().into_owned()) {
        Some(name) => dir.with_file_name(format!("{name}-matches")),
        None => dir.join("matches"),
    }
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A name no other run has: the process and the time.
fn unique() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    )
}

/// A new output folder: staged beside it and renamed into place in one step.
fn into_new(dir: &Path, files: &[OutputFile]) -> Result<(), String> {
    let shown = dir.display();
    let parent = parent_of(dir);
    fs::create_dir_all(&parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{shown} does not name a folder; choose another --out"))?;
    let staging = parent.join(format!(".{name}.mentorflow-new-{}", unique()));
    let result = Staging::create(&staging).and_then(|staged| {
        staged.write(files)?;
        // The lock must not move with the folder.
        staged.release();
        fs::rename(&staging, dir).map_err(|e| format!("cannot write {shown}: {e}"))
    });
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    sync_folder(&parent);
    result
}

/// An existing output folder: only files this tool wrote there are replaced.
fn into_existing(dir: &Path, files: &[OutputFile], force: bool) -> Result<(), String> {
    let shown = dir.display();
    finish_or_remove_stale(dir);
    let old = read_manifest(dir);
    let new: BTreeSet<&str> = files.iter().map(|f| f.name.as_str()).collect();
    let present = |name: &str| fs::symlink_metadata(dir.join(name)).ok();
    let existing: Vec<&str> = new
        .iter()
        .copied()
        .chain(old.iter().map(String::as_str).filter(|n| !new.contains(n)))
        .filter(|n| present(n).is_some())
        .collect();
    if !force && !existing.is_empty() {
        return Err(format!(
            "{shown} already holds outputs ({}); choose a new folder for --out, or pass --force to replace them (only files mentorflow wrote there are replaced; nothing else is touched)",
            existing.join(", ")
        ));
    }
    // --force replaces only what the manifest says this tool wrote.
    let foreign: Vec<&str> = new
        .iter()
        .copied()
        .filter(|n| present(n).is_some_and(|m| m.is_dir() || !old.contains(*n)))
        .collect();
    if !foreign.is_empty() {
        return Err(format!(
            "{shown} holds {} that mentorflow did not write there (not listed in its {MANIFEST}), so --force leaves {} alone; move or rename {} (outputs of a version of mentorflow without a manifest included), or choose a new folder for --out",
            foreign.join(", "),
            if foreign.len() == 1 { "it" } else { "them" },
            if foreign.len() == 1 { "it" } else { "them" },
        ));
    }

    let staging = dir.join(format!("{CHILD_STAGING}{}", unique()));
    let staged = match Staging::create(&staging).and_then(|staged| staged.write(files).map(|()| staged)) {
        Ok(staged) => staged,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    // Every file is complete: move each into place, the manifest last.
    let moved = move_into(&staging, dir);
    staged.release();
    let _ = fs::remove_dir_all(&staging);
    moved.map_err(|e| {
        format!("{e}\nsome outputs in {shown} may be from this run and some from the last one: run again")
    })?;
    for obsolete in old.iter().filter(|n| !new.contains(n.as_str())) {
        let path = dir.join(obsolete);
        if fs::symlink_metadata(&path).is_ok_and(|m| !m.is_dir()) {
            let _ = fs::remove_file(path);
        }
    }
    sync_folder(dir);
    Ok(())
}

/// Move every staged file into `dir`, the manifest last.
fn move_into(staging: &Path, dir: &Path) -> Result<(), String> {
    let mut names: Vec<String> = fs::read_dir(staging)
        .map_err(|e| format!("cannot read {}: {e}", staging.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != LOCK && valid_name(n))
        .collect();
    names.sort_by_key(|n| n == MANIFEST);
    for name in names {
        fs::rename(staging.join(&name), dir.join(&name))
            .map_err(|e| format!("cannot write {}: {e}", dir.join(&name).display()))?;
    }
    Ok(())
}

/// A staging folder, held locked while this run writes it.
struct Staging {
    path: PathBuf,
    lock: fs::File,
}

impl Staging {
    fn create(path: &Path) -> Result<Staging, String> {
        let fail = |e: std::io::Error| format!("cannot write output in {}: {e}", path.display());
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(path).map_err(fail)?;
        let lock = private_file(&path.join(LOCK)).map_err(fail)?;
        lock.try_lock()
            .map_err(|e| format!("cannot lock {}: {e}", path.display()))?;
        Ok(Staging {
            path: path.to_path_buf(),
            lock,
        })
    }

    /// Write every file, synced, then the manifest naming them.
    fn write(&self, files: &[OutputFile]) -> Result<(), String> {
        let fail = |e: std::io::Error| format!("cannot write output in {}: {e}", self.path.display());
        for file in files {
            if !valid_name(&file.name) {
                return Err(format!("internal error: {:?} is not a file name", file.name));
            }
            let mut handle = private_file(&self.path.join(&file.name)).map_err(fail)?;
            handle.write_all(&file.bytes).map_err(fail)?;
            handle.sync_all().map_err(fail)?;
        }
        let manifest = manifest_text(files.iter().map(|f| f.name.as_str()));
        let mut handle = private_file(&self.path.join(MANIFEST)).map_err(fail)?;
        handle.write_all(manifest.as_bytes()).map_err(fail)?;
        handle.sync_all().map_err(fail)?;
        sync_folder(&self.path);
        Ok(())
    }

    /// Drop the lock and its file.
    fn release(self) {
        drop(self.lock);
        let _ = fs::remove_file(self.path.join(LOCK));
    }
}

/// A manifest listing `names`.
fn manifest_text<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut text = String::from("# The files mentorflow wrote in this folder: --force replaces only these.\n");
    for name in names {
        text.push_str(name);
        text.push('\n');
    }
    text
}

/// A new file readable and writable only by its owner.
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// A plain file name this tool may write or replace: no folders, nothing hidden.
fn valid_name(name: &str) -> bool {
    name == MANIFEST || (!name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0', ':']))
}

/// The names the folder's manifest lists (none when there is none, or it is
/// not one this tool wrote).
fn read_manifest(dir: &Path) -> BTreeSet<String> {
    let mut text = String::new();
    let read = fs::File::open(dir.join(MANIFEST)).and_then(|f| f.take(MAX_MANIFEST_BYTES).read_to_string(&mut text));
    if read.is_err() {
        return BTreeSet::new();
    }
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && *l != MANIFEST && valid_name(l))
        .map(str::to_string)
        .collect()
}

/// Whether a staging folder's run is over: its lock is free (or gone).
fn abandoned(staging: &Path) -> bool {
    match fs::OpenOptions::new().write(true).open(staging.join(LOCK)) {
        Ok(lock) => lock.try_lock().is_ok(),
        Err(_) => true,
    }
}

/// Staging folders a killed run left inside `dir`: one that was complete (it
/// holds its manifest) is finished, moving its files into place; any other is
/// removed. Either way no hidden copy of personal data is left.
fn finish_or_remove_stale(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if !name.starts_with(CHILD_STAGING) || !entry.file_type().is_ok_and(|t| t.is_dir()) || !abandoned(&path) {
            continue;
        }
        if path.join(MANIFEST).is_file() {
            // The folder's manifest keeps listing every file this tool wrote.
            let mut names = read_manifest(&path);
            names.extend(read_manifest(dir));
            let _ = fs::write(path.join(MANIFEST), manifest_text(names.iter().map(String::as_str)));
            let _ = move_into(&path, dir);
        }
        let _ = fs::remove_dir_all(&path);
    }
}

/// Staging folders and files a killed run left beside `path` (a new output
/// folder, or a chart's temporary file) are removed.
fn remove_stale_beside(path: &Path) {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let parent = parent_of(path);
    let Ok(entries) = fs::read_dir(&parent) else {
        return;
    };
    let new = format!(".{name}.mentorflow-new-");
    // Earlier versions moved the old folder aside while replacing it.
    let old = format!(".{name}.mentorflow-old-");
    for entry in entries.filter_map(Result::ok) {
        let entry_name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let entry_path = entry.path();
        let stale_folder = kind.is_dir()
            && ((entry_name.starts_with(&new) && abandoned(&entry_path))
                || (entry_name.starts_with(&old) && path.is_dir()));
        if stale_folder {
            let _ = fs::remove_dir_all(&entry_path);
        } else if kind.is_file() && entry_name.starts_with(&new) {
            // A chart's temporary file: its writer holds it locked.
            let free = fs::OpenOptions::new()
                .write(true)
                .open(&entry_path)
                .is_ok_and(|f| f.try_lock().is_ok());
            if free {
                let _ = fs::remove_file(&entry_path);
            }
        }
    }
}

/// Make renames in a folder durable (where the system allows it).
fn sync_folder(dir: &Path) {
    #[cfg(unix)]
    if let Ok(folder) = fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Write one file all at once or not at all, readable only by its owner: first
/// into a hidden file beside it, then renamed into place, replacing any file
/// of that name (the caller decides whether one may be replaced).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let shown = path.display();
    let parent = parent_of(path);
    if path.is_dir() {
        return Err(format!("{shown} is a folder; name a file"));
    }
    // Only a file is ever replaced: renaming over a device or a named pipe
    // (`/dev/null`) would put a file in its place.
    if fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err(format!(
            "{shown} exists and is not a file (a device or a named pipe); name a new file"
        ));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{shown} does not name a file"))?;
    remove_stale_beside(path);
    let staging = parent.join(format!(".{name}.mentorflow-new-{}", unique()));
    let fail = |e: std::io::Error| format!("cannot write {shown}: {e}");
    let result = (|| {
        let mut handle = private_file(&staging).map_err(fail)?;
        // Held while it lives, so another run does not take it for a stale one.
        let _ = handle.try_lock();
        handle.write_all(bytes).map_err(fail)?;
        handle.sync_all().map_err(fail)?;
        fs::rename(&staging, path).map_err(fail)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&staging);
    }
    result
}
