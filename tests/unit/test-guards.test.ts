import net from "node:net";
import { expect, test } from "vitest";
import { takeProblems } from "../setup.js";

test("a connection beyond loopback is refused and fails the test", async () => {
  await expect(fetch("http://example.org/")).rejects.toThrow();
  expect(() => net.connect(80, "93.184.215.14")).toThrow(/network connection/);
  const problems = takeProblems();
  expect(problems.some((problem) => problem.includes("example.org"))).toBe(true);
  expect(problems.some((problem) => problem.includes("93.184.215.14"))).toBe(true);
});

test("loopback connections are allowed", async () => {
  const server = net.createServer((socket) => socket.end("hi"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const text = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(port, "localhost");
    let data = "";
    socket.on("data", (chunk) => (data += chunk));
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
  server.close();
  expect(text).toBe("hi");
  expect(takeProblems()).toEqual([]);
});

test("console.error fails the test", () => {
  expect(() => console.error("something broke")).toThrow(/something broke/);
  expect(takeProblems()).toEqual(["console.error: something broke"]);
});
