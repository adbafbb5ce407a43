/* geohash.c - geohash encoding/decoding, neighbours, haversine distances and the
 * search-cell cover (see geohash.h for the bit layout and the invariants).
 *
 * Everything here follows Redis 7.0's arithmetic operation by operation (the same
 * constants, the same order of floating-point operations, the same truncations),
 * because GEO scores, distances and search results must be equal to Redis's to
 * the last bit, not merely close. The code itself is Vesper's own. */
#include "geohash.h"
#include <math.h>
#include <stddef.h>

#define GEO_DEG_TO_RAD (M_PI / 180.0)

static inline double geo_rad(double deg) { return deg * GEO_DEG_TO_RAD; }
static inline double geo_deg(double rad) { return rad / GEO_DEG_TO_RAD; }

/* Spreads the 32 bits of v to the even positions of a 64-bit word. */
static inline uint64_t geo_spread(uint32_t v) {
    uint64_t x = v;
    x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x << 2)) & 0x3333333333333333ULL;
    x = (x | (x << 1)) & 0x5555555555555555ULL;
    return x;
}

/* Gathers the even-position bits of x into a 32-bit value (geo_spread's inverse). */
static inline uint32_t geo_gather(uint64_t x) {
    x &= 0x5555555555555555ULL;
    x = (x | (x >> 1)) & 0x3333333333333333ULL;
    x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
    return (uint32_t)x;
}

void geohash_wgs84_ranges(GeoRange *lon, GeoRange *lat) {
    lon->min = GEO_LONG_MIN;
    lon->max = GEO_LONG_MAX;
    lat->min = GEO_LAT_MIN;
    lat->max = GEO_LAT_MAX;
}

static int geo_range_empty(const GeoRange *r) { return r->min == 0 && r->max == 0; }

int geohash_encode(const GeoRange *lon_r, const GeoRange *lat_r, double lon, double lat, int step, GeoHash *out) {
    if (step <= 0 || step > 32 || geo_range_empty(lat_r) || geo_range_empty(lon_r)) return 0;
    out->bits = 0;
    out->step = (uint8_t)step;
    /* NaN is refused too (the commands never pass it) */
    if (!(lon >= GEO_LONG_MIN && lon <= GEO_LONG_MAX && lat >= GEO_LAT_MIN && lat <= GEO_LAT_MAX)) return 0;
    if (lat < lat_r->min || lat > lat_r->max || lon < lon_r->min || lon > lon_r->max) return 0;
    double lat_off = (lat - lat_r->min) / (lat_r->max - lat_r->min);
    double lon_off = (lon - lon_r->min) / (lon_r->max - lon_r->min);
    lat_off *= (double)(1ULL << step);
    lon_off *= (double)(1ULL << step);
    /* truncation toward zero; the offset on a range's max edge is 2^step */
    uint32_t ilat = (uint32_t)lat_off, ilon = (uint32_t)lon_off;
    out->bits = geo_spread(ilat) | (geo_spread(ilon) << 1);
    return 1;
}

int geohash_encode_wgs84(double lon, double lat, int step, GeoHash *out) {
    GeoRange lon_r, lat_r;
    geohash_wgs84_ranges(&lon_r, &lat_r);
    return geohash_encode(&lon_r, &lat_r, lon, lat, step, out);
}

int geohash_decode(const GeoRange *lon_r, const GeoRange *lat_r, GeoHash h, GeoArea *area) {
    if (geohash_is_zero(h) || geo_range_empty(lat_r) || geo_range_empty(lon_r)) return 0;
    area->hash = h;
    uint32_t ilat = geo_gather(h.bits), ilon = geo_gather(h.bits >> 1);
    double cells = (double)(1ULL << h.step);
    double lat_scale = lat_r->max - lat_r->min, lon_scale = lon_r->max - lon_r->min;
    area->lat.min = lat_r->min + (ilat * 1.0 / cells) * lat_scale;
    /* ilat + 1 in 32 bits: it wraps for the all-ones index, as in Redis (reachable
     * only through scores GEOADD did not write) */
    area->lat.max = lat_r->min + ((uint32_t)(ilat + 1u) * 1.0 / cells) * lat_scale;
    area->lon.min = lon_r->min + (ilon * 1.0 / cells) * lon_scale;
    area->lon.max = lon_r->min + ((uint32_t)(ilon + 1u) * 1.0 / cells) * lon_scale;
    return 1;
}

int geohash_decode_wgs84(GeoHash h, GeoArea *area) {
    GeoRange lon_r, lat_r;
    geohash_wgs84_ranges(&lon_r, &lat_r);
    return geohash_decode(&lon_r, &lat_r, h, area);
}

void geohash_area_center(const GeoArea *area, double xy[2]) {
    double lon = (area->lon.min + area->lon.max) / 2;
    double lat = (area->lat.min + area->lat.max) / 2;
    if (lon > GEO_LONG_MAX) lon = GEO_LONG_MAX;
    if (lon < GEO_LONG_MIN) lon = GEO_LONG_MIN;
    if (lat > GEO_LAT_MAX) lat = GEO_LAT_MAX;
    if (lat < GEO_LAT_MIN) lat = GEO_LAT_MIN;
    xy[0] = lon;
    xy[1] = lat;
}

uint64_t geohash_align52(GeoHash h) { return h.bits << (52 - h.step * 2); }

/* double -> uint64_t as gcc's x86-64 code converts it (what Redis's cast does for
 * every score, including negative, NaN and huge ones a plain ZADD may have stored):
 * below 2^63 a truncating signed conversion (out of range or NaN: 2^63), else the
 * conversion of score - 2^63 with the top bit flipped. Defined behaviour here. */
static uint64_t geo_score_bits(double s) {
    const double two63 = 9223372036854775808.0;
    if (s >= two63) {
        double r = s - two63;
        uint64_t t = r < two63 ? (uint64_t)(int64_t)r : (1ULL << 63);
        return t ^ (1ULL << 63);
    }
    if (s >= -two63) return (uint64_t)(int64_t)s;
    return 1ULL << 63; /* NaN or below -2^63 */
}

int geohash_score_decode(double score, double xy[2]) {
    GeoHash h = {.bits = geo_score_bits(score), .step = GEO_STEP_MAX};
    GeoRange lon_r, lat_r;
    geohash_wgs84_ranges(&lon_r, &lat_r);
    GeoArea a;
    /* step is never 0, so the hash is never the zero hash */
    if (!geohash_decode(&lon_r, &lat_r, h, &a)) return 0;
    geohash_area_center(&a, xy);
    return 1;
}

void geohash_neighbors(GeoHash h, GeoHash out[8]) {
    static const int8_t dlon[8] = {0, 0, 1, -1, 1, -1, 1, -1};
    static const int8_t dlat[8] = {1, -1, 0, 0, 1, 1, -1, -1};
    uint64_t mask = h.step >= 32 ? 0xFFFFFFFFULL : (1ULL << h.step) - 1;
    uint32_t ilat = geo_gather(h.bits), ilon = geo_gather(h.bits >> 1);
    for (int i = 0; i < 8; i++) {
        /* a coordinate that moves wraps around within the step; one that does not
         * is left as it is, even when it holds the offset 2^step of a point on
         * the range's max edge (Redis moves each axis only when asked to) */
        uint32_t la = dlat[i] ? (uint32_t)((ilat + (uint64_t)(int64_t)dlat[i]) & mask) : ilat;
        uint32_t lo = dlon[i] ? (uint32_t)((ilon + (uint64_t)(int64_t)dlon[i]) & mask) : ilon;
        out[i].bits = geo_spread(la) | (geo_spread(lo) << 1);
        out[i].step = h.step;
    }
}

void geohash_standard_string(const double xy[2], char out[11]) {
    static const char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
    GeoRange lon_r = {-180, 180}, lat_r = {-90, 90};
    GeoHash h;
    geohash_encode(&lon_r, &lat_r, xy[0], xy[1], GEO_STEP_MAX, &h);
    for (int i = 0; i < 10; i++) out[i] = alphabet[(h.bits >> (52 - (i + 1) * 5)) & 0x1f];
    out[10] = alphabet[0]; /* 52 bits fill ten characters and two bits: padded as Redis */
}

double geo_lat_distance(double lat1, double lat2) {
    return GEO_EARTH_RADIUS_M * fabs(geo_rad(lat2) - geo_rad(lat1));
}

double geo_distance(double lon1, double lat1, double lon2, double lat2) {
    double lon1r = geo_rad(lon1), lon2r = geo_rad(lon2);
    double v = sin((lon2r - lon1r) / 2);
    if (v == 0.0) return geo_lat_distance(lat1, lat2);
    double lat1r = geo_rad(lat1), lat2r = geo_rad(lat2);
    double u = sin((lat2r - lat1r) / 2);
    double a = u * u + cos(lat1r) * cos(lat2r) * v * v;
    return 2.0 * GEO_EARTH_RADIUS_M * asin(sqrt(a));
}

int geohash_estimate_step(double range_m, double lat) {
    if (range_m == 0) return 26;
    int step = 1;
    while (range_m < GEO_MERCATOR_MAX) {
        range_m *= 2;
        step++;
    }
    step -= 2; /* a cell a quarter of the doubled width: the range fits most cases */
    if (lat > 66 || lat < -66) {
        step--; /* meridians converge toward the poles: coarser cells */
        if (lat > 80 || lat < -80) step--;
    }
    if (step < 1) step = 1;
    if (step > 26) step = 26;
    return step;
}

/* The shape's bounding box in degrees (min lon, min lat, max lon, max lat): the
 * latitude half-span from the height, the longitude half-span from the width taken
 * at the box's poleward edge (its top in the northern hemisphere, its bottom in the
 * southern one: the wider of the two), as Redis computes it. */
static void geo_bounding_box(GeoShape *s) {
    double lon = s->xy[0], lat = s->xy[1];
    double h = s->conversion * (s->type == GEO_SHAPE_RADIUS ? s->radius : s->height / 2);
    double w = s->conversion * (s->type == GEO_SHAPE_RADIUS ? s->radius : s->width / 2);
    double dlat = geo_deg(h / GEO_EARTH_RADIUS_M);
    double dlon_top = geo_deg(w / GEO_EARTH_RADIUS_M / cos(geo_rad(lat + dlat)));
    double dlon_bottom = geo_deg(w / GEO_EARTH_RADIUS_M / cos(geo_rad(lat - dlat)));
    int south = lat < 0;
    s->bounds[0] = south ? lon - dlon_bottom : lon - dlon_top;
    s->bounds[2] = south ? lon + dlon_bottom : lon + dlon_top;
    s->bounds[1] = lat - dlat;
    s->bounds[3] = lat + dlat;
}

void geo_cover(GeoShape *s, GeoHash cells[9]) {
    GeoRange lon_r, lat_r;
    geohash_wgs84_ranges(&lon_r, &lat_r);
    geo_bounding_box(s);
    double min_lon = s->bounds[0], min_lat = s->bounds[1], max_lon = s->bounds[2], max_lat = s->bounds[3];
    double range_m = s->type == GEO_SHAPE_RADIUS ? s->radius
                     : sqrt((s->width / 2) * (s->width / 2) + (s->height / 2) * (s->height / 2));
    range_m *= s->conversion;
    int step = geohash_estimate_step(range_m, s->xy[1]);

    GeoHash centre, nb[8];
    GeoArea area = {{0}};
    geohash_encode(&lon_r, &lat_r, s->xy[0], s->xy[1], step, &centre);
    geohash_neighbors(centre, nb);
    geohash_decode(&lon_r, &lat_r, centre, &area);

    /* one step coarser when a side neighbour falls short of the bounding box */
    GeoArea n = {{0}}, so = {{0}}, e = {{0}}, w = {{0}};
    geohash_decode(&lon_r, &lat_r, nb[GEO_N], &n);
    geohash_decode(&lon_r, &lat_r, nb[GEO_S], &so);
    geohash_decode(&lon_r, &lat_r, nb[GEO_E], &e);
    geohash_decode(&lon_r, &lat_r, nb[GEO_W], &w);
    int coarser = n.lat.max < max_lat || so.lat.min > min_lat || e.lon.max < max_lon || w.lon.min > min_lon;
    if (step > 1 && coarser) {
        step--;
        geohash_encode(&lon_r, &lat_r, s->xy[0], s->xy[1], step, &centre);
        geohash_neighbors(centre, nb);
        geohash_decode(&lon_r, &lat_r, centre, &area);
    }

    /* drop the neighbours beyond an edge of the box the centre cell already passes */
    if (step >= 2) {
        static const GeoHash zero = {0, 0};
        if (area.lat.min < min_lat) nb[GEO_S] = nb[GEO_SW] = nb[GEO_SE] = zero;
        if (area.lat.max > max_lat) nb[GEO_N] = nb[GEO_NE] = nb[GEO_NW] = zero;
        if (area.lon.min < min_lon) nb[GEO_W] = nb[GEO_SW] = nb[GEO_NW] = zero;
        if (area.lon.max > max_lon) nb[GEO_E] = nb[GEO_SE] = nb[GEO_NE] = zero;
    }
    cells[0] = centre;
    for (int i = 0; i < 8; i++) cells[i + 1] = nb[i];
}

void geohash_cell_scores(GeoHash h, uint64_t *min, uint64_t *max) {
    *min = geohash_align52(h);
    h.bits++;
    *max = geohash_align52(h);
}

void geo_tester_init(GeoTester *t, const GeoShape *shape) {
    t->shape = shape;
    t->lon_r = geo_rad(shape->xy[0]);
    t->lat_r = geo_rad(shape->xy[1]);
    t->cos_lat = cos(t->lat_r);
    t->limit_m = shape->radius * shape->conversion;
    t->w_m = shape->width * shape->conversion;
    t->h_m = shape->height * shape->conversion;
}

/* The rest of the test once the point's latitude passed its check: plon_r and
 * plat_r in radians, lat_d the meridian distance to the centre in meters. */
static int geo_tester_finish(const GeoTester *t, double plon_r, double plat_r, double lat_d, double *dist) {
    if (t->shape->type == GEO_SHAPE_RADIUS) {
        /* geo_distance(centre, point) with the centre's terms precomputed */
        double v = sin((plon_r - t->lon_r) / 2), d;
        if (v == 0.0) {
            d = lat_d;
        } else {
            double u = sin((plat_r - t->lat_r) / 2);
            double a = u * u + t->cos_lat * cos(plat_r) * v * v;
            d = 2.0 * GEO_EARTH_RADIUS_M * asin(sqrt(a));
        }
        if (d > t->limit_m) return 0;
        *dist = d;
        return 1;
    }
    /* box: the distance along the point's parallel (geo_distance(point, (centre
     * lon, point lat))), then the distance to the centre */
    double cos_p = cos(plat_r);
    double v = sin((t->lon_r - plon_r) / 2), lon_d;
    if (v == 0.0) {
        lon_d = 0; /* the same latitude twice */
    } else {
        double a = cos_p * cos_p * v * v; /* u is sin(0): u * u adds nothing */
        lon_d = 2.0 * GEO_EARTH_RADIUS_M * asin(sqrt(a));
    }
    if (lon_d > t->w_m / 2) return 0;
    v = sin((plon_r - t->lon_r) / 2);
    if (v == 0.0) {
        *dist = lat_d;
    } else {
        double u = sin((plat_r - t->lat_r) / 2);
        double a = u * u + t->cos_lat * cos_p * v * v;
        *dist = 2.0 * GEO_EARTH_RADIUS_M * asin(sqrt(a));
    }
    return 1;
}

/* The latitude check: 1 when the point at plat_r may lie in the shape (for a
 * radius, conservatively: the haversine distance is never below the meridian
 * distance, and the margin is far above rounding error; for a box, exactly
 * Redis's first test). *lat_d gets the meridian distance. */
static inline int geo_tester_lat_ok(const GeoTester *t, double plat_r, double *lat_d) {
    *lat_d = GEO_EARTH_RADIUS_M * fabs(plat_r - t->lat_r);
    if (t->shape->type == GEO_SHAPE_RADIUS) return !(*lat_d > t->limit_m * (1 + 1e-9) + 1e-6);
    return !(*lat_d > t->h_m / 2);
}

int geo_tester_test(const GeoTester *t, const double xy[2], double *dist) {
    double plat_r = geo_rad(xy[1]), lat_d;
    if (!geo_tester_lat_ok(t, plat_r, &lat_d)) return 0;
    return geo_tester_finish(t, geo_rad(xy[0]), plat_r, lat_d, dist);
}

/* One axis of a step-26 GEO score decoded to its cell's centre: geohash_decode and
 * geohash_area_center's arithmetic for that axis, the step's constants folded. */
static inline double geo_axis_centre(uint32_t idx, double min, double max) {
    const double cells = (double)(1ULL << GEO_STEP_MAX);
    double scale = max - min;
    double lo = min + (idx * 1.0 / cells) * scale;
    double hi = min + ((uint32_t)(idx + 1u) * 1.0 / cells) * scale;
    double c = (lo + hi) / 2;
    if (c > max) c = max;
    if (c < min) c = min;
    return c;
}

int geo_tester_score(const GeoTester *t, double score, double xy[2], double *dist) {
    uint64_t bits = geo_score_bits(score);
    double lat = geo_axis_centre(geo_gather(bits), GEO_LAT_MIN, GEO_LAT_MAX);
    double plat_r = geo_rad(lat), lat_d;
    if (!geo_tester_lat_ok(t, plat_r, &lat_d)) return 0; /* the longitude is never decoded */
    double lon = geo_axis_centre(geo_gather(bits >> 1), GEO_LONG_MIN, GEO_LONG_MAX);
    xy[0] = lon;
    xy[1] = lat;
    return geo_tester_finish(t, geo_rad(lon), plat_r, lat_d, dist);
}
