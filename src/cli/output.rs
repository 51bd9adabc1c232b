//! Writing output files all at once or not at all, readable only by their owner:
//! they hold personal data.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use mentorflow::report::OutputFile;

/// Write `files` into `dir`: first into a hidden folder beside it, then renamed
/// into place, so a failure leaves no partial output. An existing non-empty `dir`
/// is replaced only with `force`.
pub fn write_all(dir: &Path, files: &[OutputFile], force: bool) -> Result<(), String> {
    let shown = dir.display();
    let existing = match fs::metadata(dir) {
        Ok(m) if !m.is_dir() => return Err(format!("{shown} exists and is not a folder; choose another --out")),
        Ok(_) => {
            let empty = fs::read_dir(dir)
                .map_err(|e| format!("cannot read {shown}: {e}"))?
                .next()
                .is_none();
            if !empty && !force {
                return Err(format!(
                    "{shown} is not empty; choose a new folder for --out, or pass --force to replace its contents"
                ));
            }
            true
        }
        Err(_) => false,
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let unique = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    let staging = parent.join(format!(".{name}.mentorflow-new-{unique}"));
    let result = stage(&staging, files).and_then(|()| {
        if existing {
            let old = parent.join(format!(".{name}.mentorflow-old-{unique}"));
            fs::rename(dir, &old).map_err(|e| format!("cannot replace {shown}: {e}"))?;
            if let Err(e) = fs::rename(&staging, dir) {
                let _ = fs::rename(&old, dir);
                return Err(format!("cannot write {shown}: {e}"));
            }
            let _ = fs::remove_dir_all(&old);
            Ok(())
        } else {
            fs::rename(&staging, dir).map_err(|e| format!("cannot write {shown}: {e}"))
        }
    });
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

fn stage(staging: &Path, files: &[OutputFile]) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot write output in {}: {e}", staging.display());
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(staging).map_err(fail)?;
    for file in files {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut handle = options.open(staging.join(&file.name)).map_err(fail)?;
        handle.write_all(&file.bytes).map_err(fail)?;
        handle.sync_all().map_err(fail)?;
    }
    Ok(())
}

/// Write one file all at once or not at all, readable only by its owner: first
/// into a hidden file beside it, then renamed into place, replacing any file
/// of that name.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let shown = path.display();
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if path.is_dir() {
        return Err(format!("{shown} is a folder; name a file"));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{shown} does not name a file"))?;
    let staging = parent.join(format!(
        ".{name}.mentorflow-new-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    let fail = |e: std::io::Error| format!("cannot write {shown}: {e}");
    let result = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut handle = options.open(&staging).map_err(fail)?;
        handle.write_all(bytes).map_err(fail)?;
        handle.sync_all().map_err(fail)?;
        fs::rename(&staging, path).map_err(fail)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&staging);
    }
    result
}
