#!/usr/bin/env node
// Renders a card with the official `adaptivecards` HTML renderer in headless Chromium, at
// phone width, to PNG screenshots: for looking at a card the way a reporter sees it.
//
//   node render.js CARD.json OUT_PREFIX [--width 400] [--page 900] [--chromium /usr/bin/chromium]
//
// Writes OUT_PREFIX-1.png, OUT_PREFIX-2.png, … (one per screen of --page pixels) and prints
// their paths. The host config below approximates Teams' light theme; it is not Teams' own.
// Screenshots are for looking only: don't commit them.
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFileSync } = require("node:child_process");

const HOST_CONFIG = {
    supportsInteractivity: true,
    fontFamily: "'Segoe UI', 'Helvetica Neue', 'DejaVu Sans', sans-serif",
    spacing: { small: 8, default: 12, medium: 16, large: 20, extraLarge: 24, padding: 16 },
    separator: { lineThickness: 1, lineColor: "#E0E0E0" },
    fontSizes: { small: 12, default: 14, medium: 16, large: 18, extraLarge: 24 },
    fontWeights: { lighter: 200, default: 400, bolder: 600 },
    containerStyles: {
        default: {
            backgroundColor: "#FFFFFF",
            foregroundColors: {
                default: { default: "#242424", subtle: "#616161" },
                accent: { default: "#5B5FC7", subtle: "#5B5FC7" },
                good: { default: "#0E700E", subtle: "#0E700E" },
                warning: { default: "#835C00", subtle: "#835C00" },
                attention: { default: "#C4314B", subtle: "#C4314B" },
            },
        },
        emphasis: { backgroundColor: "#F5F5F5" },
        accent: { backgroundColor: "#E8EBFA" },
        good: { backgroundColor: "#E7F2DA" },
        warning: { backgroundColor: "#FBF6D9" },
        attention: { backgroundColor: "#FCF4F6" },
    },
    actions: {
        maxActions: 6,
        spacing: "default",
        buttonSpacing: 8,
        showCard: { actionMode: "inline", inlineTopMargin: 16 },
        actionsOrientation: "horizontal",
        actionAlignment: "stretch",
    },
    inputs: { label: { requiredInputs: { weight: "bolder" }, optionalInputs: { weight: "bolder" } } },
};

function option(args, name, fallback) {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
}

function main(args) {
    if (args.length < 2) {
        console.error("usage: node render.js CARD.json OUT_PREFIX [--width 400] [--page 900] [--chromium PATH]");
        return 2;
    }
    const [cardFile, outPrefix] = args;
    const width = Number(option(args, "--width", "400"));
    const page = Number(option(args, "--page", "900"));
    const chromium = option(args, "--chromium", "/usr/bin/chromium");
    const card = JSON.parse(fs.readFileSync(cardFile, "utf8"));
    const dist = path.join(path.dirname(require.resolve("adaptivecards/package.json")), "dist");

    const work = fs.mkdtempSync(path.join(os.tmpdir(), "cardrender-"));
    const html = `<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=${width}">
<link rel="stylesheet" href="file://${dist}/adaptivecards.css">
<style>
  html, body { margin: 0; background: #F0F0F0; }
  #frame { padding: 8px; }
  #card { background: #FFF; border-radius: 6px; overflow: hidden; box-shadow: 0 1px 3px rgba(0,0,0,.2); }
  .ac-pushButton { border: 1px solid #D1D1D1; background: #FFF; border-radius: 4px; padding: 6px 12px;
    font: 600 14px ${HOST_CONFIG.fontFamily}; color: #242424; }
  .ac-pushButton.style-positive { background: #5B5FC7; color: #FFF; border-color: #5B5FC7; }
  .ac-input { font: 14px ${HOST_CONFIG.fontFamily}; }
  .ac-textInput, .ac-multichoiceInput { border: 1px solid #D1D1D1; border-radius: 4px; padding: 6px; }
  .ac-textInput.ac-multiline { height: 64px; }
</style>
<script src="file://${dist}/adaptivecards.min.js"></script>
</head><body><div id="frame"><div id="card"></div></div>
<script>
  const card = new AdaptiveCards.AdaptiveCard();
  card.hostConfig = new AdaptiveCards.HostConfig(${JSON.stringify(HOST_CONFIG)});
  card.parse(${JSON.stringify(card)});
  document.getElementById("card").appendChild(card.render());
  const offset = Number(location.hash.slice(1) || 0);
  document.getElementById("frame").style.transform = "translateY(-" + offset + "px)";
  document.body.setAttribute("data-height", String(document.getElementById("frame").scrollHeight));
</script></body></html>`;
    const htmlFile = path.join(work, "card.html");
    fs.writeFileSync(htmlFile, html);

    const flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        `--user-data-dir=${path.join(work, "profile")}`,
        "--allow-file-access-from-files",
    ];
    const dom = execFileSync(chromium, [...flags, "--dump-dom", `file://${htmlFile}`], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
    });
    const match = /data-height="(\d+)"/.exec(dom);
    if (!match) {
        console.error("render.js: the card did not render (no height in the page)");
        return 1;
    }
    const height = Number(match[1]);
    const pages = Math.max(1, Math.ceil(height / page));
    for (let i = 0; i < pages; i++) {
        const out = `${outPrefix}-${i + 1}.png`;
        execFileSync(
            chromium,
            [...flags, `--window-size=${width},${page}`, `--screenshot=${path.resolve(out)}`, `file://${htmlFile}#${i * page}`],
            { stdio: "ignore" }
        );
        console.log(out);
    }
    console.log(`render.js: ${height}px tall, ${pages} screen(s) of ${width}x${page}`);
    fs.rmSync(work, { recursive: true, force: true });
    return 0;
}

process.exitCode = main(process.argv.slice(2));
