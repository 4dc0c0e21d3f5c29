#!/usr/bin/env node
// Compiles contracts/evm/**/*.sol with the solc npm package (its compiler is bundled: works offline) into
// contracts/evm/artifacts/<Contract>.json ({contractName, sourceName, abi, bytecode, deployedBytecode}).
// Compiling takes seconds, so the artifacts are reused while the sources, the OpenZeppelin version and the
// compiler version hash the same (contracts/evm/artifacts/.source-hash).
'use strict';
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const sourceDir = path.join(root, 'contracts', 'evm');
const artifactDir = path.join(sourceDir, 'artifacts');
const hashFile = path.join(artifactDir, '.source-hash');

function solidityFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'artifacts' ? [] : solidityFiles(full);
      return entry.name.endsWith('.sol') ? [full] : [];
    })
    .sort();
}

function packageVersion(name) {
  return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [root] }), 'utf8')).version;
}

function main() {
  const files = solidityFiles(sourceDir);
  const sources = Object.fromEntries(files.map((file) => [path.relative(sourceDir, file).split(path.sep).join('/'), { content: fs.readFileSync(file, 'utf8') }]));
  const hash = createHash('sha256')
    .update(JSON.stringify({ sources, solc: packageVersion('solc'), oz: packageVersion('@openzeppelin/contracts') }))
    .digest('hex');
  if (fs.existsSync(hashFile) && fs.readFileSync(hashFile, 'utf8').trim() === hash) {
    console.log(`contracts: up to date (${files.length} sources)`);
    return;
  }

  const solc = require('solc');
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const findImports = (importPath) => {
    try {
      return { contents: fs.readFileSync(require.resolve(importPath, { paths: [root] }), 'utf8') };
    } catch {
      return { error: `not found: ${importPath}` };
    }
  };
  const started = Date.now();
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error');
  for (const message of output.errors ?? []) console.error(message.formattedMessage);
  if (errors.length > 0) process.exit(1);

  fs.rmSync(artifactDir, { recursive: true, force: true });
  fs.mkdirSync(artifactDir, { recursive: true });
  let written = 0;
  for (const sourceName of Object.keys(sources)) {
    for (const [contractName, contract] of Object.entries(output.contracts[sourceName] ?? {})) {
      const artifact = {
        contractName,
        sourceName,
        abi: contract.abi,
        bytecode: `0x${contract.evm.bytecode.object}`,
        deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
      };
      fs.writeFileSync(path.join(artifactDir, `${contractName}.json`), `${JSON.stringify(artifact, null, 2)}\n`);
      written += 1;
    }
  }
  fs.writeFileSync(hashFile, `${hash}\n`);
  console.log(`contracts: compiled ${written} contracts from ${files.length} sources in ${Date.now() - started} ms (solc ${solc.version()})`);
}

main();
