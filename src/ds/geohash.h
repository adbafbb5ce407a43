/* geohash.h - interleaved geohashes over (longitude, latitude), the distance on
 * Earth's sphere, and the cell cover of a search shape: the pure arithmetic under the
 * GEO commands (src/types/geo.c), with no server state.
 *
 * A GeoHash of step s holds 2*s bits: latitude bits at the even positions, longitude
 * bits at the odd ones, most significant first, after the coordinate was scaled into
 * [0, 2^s) over its range. GEO scores are step-26 hashes over longitude [-180, 180]
 * and latitude [-85.05112878, 85.05112878] (Web Mercator's limits), i.e. 52-bit
 * integers held exactly by a double: the very values Redis 7.0 stores, computed the
 * same way (same ranges, same truncation of the scaled offsets), so a member added
 * to Vesper and to Redis gets the same ZSCORE. Distances use the haversine formula
 * on a sphere of radius GEO_EARTH_RADIUS_M with Redis's operation order, so results
 * agree to the last bit on the same libm.
 *
 * Costs: every function is O(1) and allocation-free. */
#ifndef VESPER_DS_GEOHASH_H
#define VESPER_DS_GEOHASH_H
#include <stdint.h>

#define GEO_STEP_MAX 26                /* 52 bits: exact in a double */
#define GEO_LAT_MIN (-85.05112878)
#define GEO_LAT_MAX 85.05112878
#define GEO_LONG_MIN (-180.0)
#define GEO_LONG_MAX 180.0
#define GEO_EARTH_RADIUS_M 6372797.560856
#define GEO_MERCATOR_MAX 20037726.37   /* half the Web Mercator world width, meters */

typedef struct GeoHash {
    uint64_t bits;
    uint8_t step;                      /* 0 with bits 0: "no cell" (a dropped neighbour) */
} GeoHash;

typedef struct GeoRange {
    double min, max;
} GeoRange;

typedef struct GeoArea {
    GeoHash hash;
    GeoRange lon, lat;
} GeoArea;

static inline int geohash_is_zero(GeoHash h) { return h.bits == 0 && h.step == 0; }

/* The GEO ranges: longitude [-180, 180], latitude [GEO_LAT_MIN, GEO_LAT_MAX]. */
void geohash_wgs84_ranges(GeoRange *lon, GeoRange *lat);

/* Encodes (lon, lat) at step (1..32) over the given ranges into *out. Returns 0
 * (out->bits 0) when step is out of bounds, a range is empty, or the point lies
 * outside the GEO limits or the ranges; the scaled offsets are truncated toward zero,
 * so a point on a range's max edge gets offset 2^step, as in Redis. */
int geohash_encode(const GeoRange *lon_r, const GeoRange *lat_r, double lon, double lat, int step, GeoHash *out);
int geohash_encode_wgs84(double lon, double lat, int step, GeoHash *out);

/* The cell of h over the ranges; 0 when h is the zero hash. */
int geohash_decode(const GeoRange *lon_r, const GeoRange *lat_r, GeoHash h, GeoArea *area);
int geohash_decode_wgs84(GeoHash h, GeoArea *area);
/* The cell's centre, clamped to the GEO limits: xy[0] longitude, xy[1] latitude. */
void geohash_area_center(const GeoArea *area, double xy[2]);

/* The 52-bit score of a hash (its bits moved to the top of 52). */
uint64_t geohash_align52(GeoHash h);
/* The position stored in a GEO score, as Redis decodes it (the double converted to
 * a 64-bit integer as x86-64 does, then read as a step-26 hash, even when the score
 * was not written by GEOADD). Returns 0 only for a zero hash. */
int geohash_score_decode(double score, double xy[2]);

/* The eight neighbours of h at its step, in the order north, south, east, west,
 * north-east, north-west, south-east, south-west; longitude and latitude wrap. */
enum { GEO_N, GEO_S, GEO_E, GEO_W, GEO_NE, GEO_NW, GEO_SE, GEO_SW };
void geohash_neighbors(GeoHash h, GeoHash out[8]);

/* The 11-character standard geohash (base32, latitude range [-90, 90]) of a position
 * decoded from a GEO score, as GEOHASH prints it (the 11th character is always '0'). */
void geohash_standard_string(const double xy[2], char out[11]);

/* Great-circle distance in meters between two (longitude, latitude) points in
 * degrees; geo_lat_distance is the meridian distance between two latitudes. */
double geo_distance(double lon1, double lat1, double lon2, double lat2);
double geo_lat_distance(double lat1, double lat2);

/* ---- search shapes ---- */
enum { GEO_SHAPE_RADIUS = 1, GEO_SHAPE_BOX = 2 };

typedef struct GeoShape {
    int type;
    double xy[2];            /* centre: longitude, latitude (degrees) */
    double conversion;       /* meters per unit (1, 1000, 0.3048, 1609.34) */
    double radius;           /* GEO_SHAPE_RADIUS, in units */
    double width, height;    /* GEO_SHAPE_BOX, in units */
    double bounds[4];        /* filled by geo_cover: min lon, min lat, max lon, max lat */
} GeoShape;

/* The step whose cells are about as wide as a search of range_m meters at lat. */
int geohash_estimate_step(double range_m, double lat);

/* The cells to scan for shape, as Redis 7.0 picks them: the centre's cell at the
 * estimated step (one step coarser when a neighbour does not reach the bounding
 * box), then its eight neighbours, those lying wholly outside the bounding box
 * zeroed. cells[0] is the centre, cells[1..8] the neighbours in geohash_neighbors'
 * order; zero hashes are to be skipped. */
void geo_cover(GeoShape *shape, GeoHash cells[9]);

/* The score range [*min, *max) holding every point of cell h. */
void geohash_cell_scores(GeoHash h, uint64_t *min, uint64_t *max);

/* Precomputed terms of a shape for testing many points (geo_shape_prepare once). */
typedef struct GeoTester {
    const GeoShape *shape;
    double lon_r, lat_r, cos_lat;   /* centre in radians, cos of its latitude */
    double limit_m;                 /* radius in meters (GEO_SHAPE_RADIUS) */
    double w_m, h_m;                /* width and height in meters (GEO_SHAPE_BOX) */
} GeoTester;
void geo_tester_init(GeoTester *t, const GeoShape *shape);
/* 1 and the distance from the centre in meters when the point (xy, degrees) lies in
 * the shape, by Redis's test (haversine distance <= radius; for a box, meridian
 * distance <= height/2 and the distance along the point's parallel <= width/2),
 * else 0. Bit-identical to the straightforward formulas. */
int geo_tester_test(const GeoTester *t, const double xy[2], double *dist);
/* geohash_score_decode then geo_tester_test in one step, bit-identical to them,
 * decoding the longitude only for points whose latitude passes (the search's inner
 * loop). xy is set when 1 is returned. */
int geo_tester_score(const GeoTester *t, double score, double xy[2], double *dist);

#endif
