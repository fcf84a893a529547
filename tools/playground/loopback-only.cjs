// Preloaded with `node --require ./loopback-only.cjs`: every server the Agents Playground opens
// listens on 127.0.0.1 only.
//
// The Playground calls `server.listen(port)` without a host, so Node binds every interface. Its
// `/_internal/v1/customActivities` and `/_conversation/v1/...` endpoints forward any activity to
// the bot without authentication, and the bot runs without authentication in dev mode: on a
// laptop in an office network that would let anyone on the network speak to the bot as anyone.
// Setting LAGESBILD_PLAYGROUND_HOST changes the address (for example to reach it from a VM).
"use strict";

const net = require("net");

const host = process.env.LAGESBILD_PLAYGROUND_HOST || "127.0.0.1";
const originalListen = net.Server.prototype.listen;

function isPort(value) {
  return typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value));
}

net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (isPort(args[0]) && typeof args[1] !== "string") {
    args.splice(1, 0, host);
  } else if (
    args[0] !== null &&
    typeof args[0] === "object" &&
    !(args[0] instanceof net.Server) &&
    args[0].path === undefined &&
    args[0].handle === undefined &&
    args[0].fd === undefined &&
    args[0].host === undefined
  ) {
    args[0] = { ...args[0], host };
  } else if (args.length === 0 || typeof args[0] === "function") {
    args.unshift(0, host);
  }
  return originalListen.apply(this, args);
};
