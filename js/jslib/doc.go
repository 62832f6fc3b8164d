// Package jslib embeds Stampede's own implementations of the jslib.k6.io
// modules scripts commonly import by URL, so that those imports work without
// network access:
//
//   - https://jslib.k6.io/k6-utils/<version>/index.js: randomIntBetween,
//     randomItem, randomString, uuidv4, findBetween, normalDistributionStages.
//   - https://jslib.k6.io/k6-summary/<version>/index.js: textSummary, jUnit.
//
// Any version in the URL is served the same implementation.
package jslib
