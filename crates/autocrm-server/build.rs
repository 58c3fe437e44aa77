//! Builds the web app (`web/`) with Vite into `OUT_DIR/web`, where `web.rs`
//! embeds it into the binary. Installs the npm packages on the first build
//! (`npm ci`, from the npm registry and `web/package-lock.json`); reruns
//! only when the web sources change.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    if let Err(message) = run() {
        panic!("building the web app failed: {message}\n(needs Node.js ≥ 20.19 and npm; see README.md)");
    }
}

fn run() -> Result<(), String> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let web = manifest.join("../../web");
    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?).join("web");
    for input in ["src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json"]
    {
        println!("cargo:rerun-if-changed={}", web.join(input).display());
    }
    println!("cargo:rerun-if-changed={}", web.join("widget").display());
    println!("cargo:rerun-if-env-changed=AUTOCRM_NPM");

    let npm = std::env::var("AUTOCRM_NPM").unwrap_or_else(|_| "npm".to_owned());
    if needs_install(&web) {
        run_in(&web, Command::new(&npm).args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]))?;
    }
    let vite = web.join("node_modules/vite/bin/vite.js");
    run_in(
        &web,
        Command::new("node").arg(&vite).args(["build", "--logLevel", "warn", "--emptyOutDir", "--outDir"]).arg(&out),
    )?;
    if !out.join("index.html").is_file() {
        return Err(format!("vite wrote no index.html into {}", out.display()));
    }
    // The chat widget: one framework-free script served at `/widget.js`,
    // type-checked, then built by its own Vite config into the same root
    // (after the app, whose build empties the directory).
    let tsc = web.join("node_modules/typescript/bin/tsc");
    run_in(&web, Command::new("node").arg(tsc).args(["-p", "widget/tsconfig.json"]))?;
    run_in(
        &web,
        Command::new("node")
            .arg(&vite)
            .args(["build", "--config", "widget/vite.config.ts", "--logLevel", "warn", "--outDir"])
            .arg(&out),
    )?;
    if !out.join("widget.js").is_file() {
        return Err(format!("vite wrote no widget.js into {}", out.display()));
    }
    Ok(())
}

/// `npm ci` is needed when packages are missing or older than the lock file.
fn needs_install(web: &Path) -> bool {
    let installed = web.join("node_modules/.package-lock.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(&installed), modified(&web.join("package-lock.json"))) {
        (Some(installed), Some(lock)) => installed < lock,
        _ => true,
    }
}

fn run_in(dir: &Path, command: &mut Command) -> Result<(), String> {
    let status = command.current_dir(dir).status().map_err(|e| format!("{command:?}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{command:?} exited with {status}")) }
}
