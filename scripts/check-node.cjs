// Run first by the npm scripts: on an unsupported Node, one clear line instead of a stack trace.
// Written for any Node (no modern syntax), since it must run on the old ones it turns away.
'use strict';
var required = 22;
var major = parseInt(process.versions.node.split('.')[0], 10);
if (major < required) {
  var message = 'Burst Exchange needs Node ' + required + ' or newer (22.12+, 24 recommended); this is Node ' + process.versions.node + '.';
  console.error(message);
  console.error('Install a newer Node (https://nodejs.org, or nvm install 24) and run the command again.');
  process.exit(1);
}
