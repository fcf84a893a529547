#!/usr/bin/env node
// Parses rendered Adaptive Cards with Microsoft's official `adaptivecards` library and
// fails on any parse or validation event.
//
//   node check.js card1.json card2.json …      (each file: one card, or an array of cards)
//   node check.js < card.json                   (no file arguments, or "-": read stdin)
//   node check.js --target 1.4 card.json        (the Adaptive Card version to check against; default 1.5)
//
// A card passes when parsing it into `AdaptiveCard` with a `SerializationContext` for the
// target version logs no event (unknown element or action types, properties newer than the
// target, invalid values) and `validateProperties()` reports no failure (duplicate ids,
// missing version, empty collections, …). Exit 0: all cards pass; 1: some card failed;
// 2: bad usage or a file that is not JSON.
"use strict";

const fs = require("node:fs");
// The package's `lib/` build is ES modules with extensionless imports, which Node cannot
// load; its UMD bundle is the same library and loads in plain Node.
const AC = require("adaptivecards/dist/adaptivecards.js");

const PHASES = ["Parse", "ToJSON", "Validation"];

function describe(source) {
    if (!source || typeof source.getJsonTypeName !== "function") {
        return "";
    }
    const type = source.getJsonTypeName();
    const id = source.id ? ` id=${source.id}` : "";
    return ` (${type}${id})`;
}

function checkCard(json, version) {
    const problems = [];
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
        return ["not a JSON object"];
    }
    if (json.type !== "AdaptiveCard") {
        problems.push(`type is ${JSON.stringify(json.type)}, expected "AdaptiveCard"`);
    }
    if (json.version !== version.toString()) {
        problems.push(`version is ${JSON.stringify(json.version)}, expected "${version}"`);
    }
    // The library validates "lang" with a global RegExp (/^[a-z]{2,3}$/gi) and `exec`, whose
    // lastIndex survives between calls: a second card with a valid "lang" in the same process
    // would be reported invalid. Reset it so each card is checked as if it were the first.
    const langPattern = AC.CardElement.langProperty.regEx;
    if (langPattern) {
        langPattern.lastIndex = 0;
    }
    const card = new AC.AdaptiveCard();
    const context = new AC.SerializationContext(version);
    card.parse(json, context);
    for (let i = 0; i < context.eventCount; i++) {
        const event = context.getEventAt(i);
        problems.push(
            `[${PHASES[event.phase]}] ${AC.ValidationEvent[event.event]}: ${event.message}${describe(event.source)}`
        );
    }
    const results = card.validateProperties();
    for (const event of results.validationEvents) {
        problems.push(
            `[${PHASES[event.phase]}] ${AC.ValidationEvent[event.event]}: ${event.message}${describe(event.source)}`
        );
    }
    return problems;
}

function parseVersion(text) {
    const match = /^(\d+)\.(\d+)$/.exec(text || "");
    if (!match) {
        return undefined;
    }
    const declared = AC.Versions.getAllDeclaredVersions();
    return declared.find((v) => v.major === Number(match[1]) && v.minor === Number(match[2]));
}

function main(argv) {
    let version = AC.Versions.v1_5;
    const files = [];
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--target") {
            version = parseVersion(argv[++i]);
            if (!version) {
                console.error(`cardcheck: unknown Adaptive Card version ${JSON.stringify(argv[i])}`);
                return 2;
            }
        } else if (argv[i] === "-h" || argv[i] === "--help") {
            console.log("usage: node check.js [--target 1.5] [FILE.json … | -]");
            return 0;
        } else {
            files.push(argv[i]);
        }
    }
    if (files.length === 0) {
        files.push("-");
    }

    let failed = 0;
    let checked = 0;
    for (const file of files) {
        const name = file === "-" ? "<stdin>" : file;
        let data;
        try {
            data = JSON.parse(fs.readFileSync(file === "-" ? 0 : file, "utf8"));
        } catch (error) {
            console.error(`${name}: cannot read JSON: ${error.message}`);
            return 2;
        }
        const cards = Array.isArray(data) ? data : [data];
        cards.forEach((json, index) => {
            const label = Array.isArray(data) ? `${name}[${index}]` : name;
            const problems = checkCard(json, version);
            checked++;
            if (problems.length > 0) {
                failed++;
                console.error(`FAIL ${label}`);
                for (const problem of problems) {
                    console.error(`  ${problem}`);
                }
            } else {
                console.log(`ok   ${label}`);
            }
        });
    }
    console.log(`cardcheck: ${checked - failed} passed, ${failed} failed (Adaptive Cards ${version}, adaptivecards library)`);
    return failed > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
