// The branch map: an outline of Ningxia and the branches placed on it by their latitude and longitude.

import { h } from './dom.js';

/**
 * The border of the Ningxia Hui Autonomous Region as [longitude, latitude] in degrees, clockwise from the north
 * end of the Helan Mountains: a simplified polygon of about 30 points written down by hand from the region's
 * known extent (35.24°–39.38° N, 104.28°–107.65° E), the Helan ridge in the north-west, the Yellow River plain,
 * Yanchi in the east, Jingyuan in the south and Zhongwei in the west. It is approximate (some kilometres off),
 * good for telling where a branch is, not for surveying.
 */
export const NINGXIA_OUTLINE = [
  [106.35, 39.3], [106.6, 39.38], [106.92, 39.2], [106.95, 38.9], [106.92, 38.55], [107.05, 38.3],
  [107.3, 38.15], [107.65, 37.9], [107.55, 37.55], [107.25, 37.2], [106.95, 37.05], [106.85, 36.75],
  [106.7, 36.4], [106.98, 35.95], [106.85, 35.65], [106.45, 35.32], [106.3, 35.24], [105.95, 35.4],
  [105.75, 35.55], [105.4, 35.75], [105.25, 36.05], [105.1, 36.4], [104.95, 36.7], [104.6, 36.95],
  [104.28, 37.35], [104.45, 37.55], [105.0, 37.62], [105.4, 37.8], [105.8, 37.95], [105.85, 38.25],
  [105.9, 38.6], [105.95, 38.83], [106.15, 39.1],
];

// a few places to read the map by (the cities' centres)
const TOWNS = [
  { name: '银川', lng: 106.23, lat: 38.49 },
  { name: '石嘴山', lng: 106.38, lat: 39.02 },
  { name: '吴忠', lng: 106.2, lat: 37.99 },
  { name: '中卫', lng: 105.19, lat: 37.51 },
  { name: '固原', lng: 106.24, lat: 36.02 },
];

const WIDTH = 300;
const HEIGHT = 360;
const MARGIN = 14;

/** An equirectangular projection of the outline's box, east-west squeezed by cos(latitude) so shapes keep. */
function projection() {
  const lngs = NINGXIA_OUTLINE.map(([lng]) => lng);
  const lats = NINGXIA_OUTLINE.map(([, lat]) => lat);
  const [west, east, south, north] = [Math.min(...lngs), Math.max(...lngs), Math.min(...lats), Math.max(...lats)];
  const squeeze = Math.cos((((north + south) / 2) * Math.PI) / 180);
  const scale = Math.min((WIDTH - 2 * MARGIN) / ((east - west) * squeeze), (HEIGHT - 2 * MARGIN) / (north - south));
  const left = (WIDTH - (east - west) * squeeze * scale) / 2;
  const top = (HEIGHT - (north - south) * scale) / 2;
  return (lng, lat) => [left + (lng - west) * squeeze * scale, top + (north - lat) * scale];
}

function marker(branch, number, [x, y], radius) {
  return h(
    'g',
    { class: 'map-marker', dataset: { branch: branch.code, lng: branch.lng, lat: branch.lat } },
    h('title', {}, `${number} ${branch.name}：${branch.address || ''}`),
    h('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: radius }),
    h('text', { x: x.toFixed(1), y: (y + radius / 2).toFixed(1), 'text-anchor': 'middle', class: 'marker-no' }, String(number)),
  );
}

/** The region with the centre's branches and the box of the close-up. */
function regionMap(placed, numberOf, box) {
  const at = projection();
  const outline = NINGXIA_OUTLINE.map(([lng, lat], index) => {
    const [x, y] = at(lng, lat);
    return `${index ? 'L' : 'M'} ${x.toFixed(1)} ${y.toFixed(1)}`;
  }).join(' ');
  const [boxLeft, boxTop] = at(box.west, box.north);
  const [boxRight, boxBottom] = at(box.east, box.south);
  return h(
    'svg',
    { class: 'branch-map', id: 'branch-map', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': 'branch-map-caption' },
    h('path', { d: `${outline} Z`, class: 'map-region', id: 'map-region' }),
    TOWNS.map((town) => {
      const [x, y] = at(town.lng, town.lat);
      return h('g', { class: 'map-town' }, h('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 2 }), h('text', { x: (x - 5).toFixed(1), y: (y + 4).toFixed(1), 'text-anchor': 'end' }, town.name));
    }),
    h('rect', { class: 'map-box', x: boxLeft.toFixed(1), y: boxTop.toFixed(1), width: (boxRight - boxLeft).toFixed(1), height: (boxBottom - boxTop).toFixed(1) }),
    h('path', { d: `M ${WIDTH - 24} 34 L ${WIDTH - 18} 14 L ${WIDTH - 12} 34 Z`, class: 'map-north' }),
    h('text', { x: WIDTH - 18, y: 48, class: 'map-label', 'text-anchor': 'middle' }, '北'),
    placed.map((b) => marker(b, numberOf(b), at(b.lng, b.lat), 6)),
  );
}

/** The close-up of the branches, on the same projection's squeeze, so the numbers do not overlap. */
function closeUp(placed, numberOf, box) {
  const width = 300;
  const height = 220;
  const margin = 24;
  const squeeze = Math.cos((((box.north + box.south) / 2) * Math.PI) / 180);
  const spanX = Math.max((box.east - box.west) * squeeze, 0.01);
  const spanY = Math.max(box.north - box.south, 0.01);
  const scale = Math.min((width - 2 * margin) / spanX, (height - 2 * margin) / spanY);
  const at = (lng, lat) => [width / 2 + (lng - (box.west + box.east) / 2) * squeeze * scale, height / 2 - (lat - (box.north + box.south) / 2) * scale];
  return h(
    'svg',
    { class: 'branch-map branch-close-up', id: 'branch-close-up', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': '网点周边放大图' },
    h('rect', { x: 1, y: 1, width: width - 2, height: height - 2, class: 'map-frame', rx: 6 }),
    placed.map((b) => marker(b, numberOf(b), at(b.lng, b.lat), 11)),
  );
}

/** The maps of `branches` (numbered as in the list beside them); null when none has a position. */
export function branchMap(branches) {
  const placed = branches.filter((b) => Number.isFinite(b.lat) && Number.isFinite(b.lng));
  if (!placed.length) return null;
  const numberOf = (b) => branches.indexOf(b) + 1;
  const pad = 0.03;
  const box = {
    west: Math.min(...placed.map((b) => b.lng)) - pad,
    east: Math.max(...placed.map((b) => b.lng)) + pad,
    south: Math.min(...placed.map((b) => b.lat)) - pad,
    north: Math.max(...placed.map((b) => b.lat)) + pad,
  };
  return h(
    'figure',
    { class: 'branch-map-figure' },
    h('div', { class: 'branch-maps' }, regionMap(placed, numberOf, box), closeUp(placed, numberOf, box)),
    h('figcaption', { id: 'branch-map-caption', class: 'hint' }, '宁夏回族自治区网点分布图及网点周边放大图：编号与列表一致，按网点经纬度绘制；区界为简化的近似轮廓。'),
  );
}
