/* test_geohash.c - unit tests for ds/geohash: scores and geohash strings Redis
 * 7.0.15 gives for known places, then randomized checks against simple models:
 * encode/decode round trips stay within the cell, neighbours adjoin their cell and
 * invert each other, the distance agrees with a textbook haversine, the shape
 * tester is bit-identical to the plain formulas, and a radius/box search over the
 * cell cover (a sorted array of scores standing in for the sorted set) finds
 * exactly the points a brute-force filter keeps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ds/geohash.h"
#include "base/util.h"
#include "seed.h"

/* The seed of a randomized test: TEST_SEED from the environment to replay a run,
 * else one from the clock. Printed either way. */
static double rnd_unit(void) { return (double)(rand_u64() >> 11) / 9007199254740992.0; }
static double rnd_range(double lo, double hi) { return lo + (hi - lo) * rnd_unit(); }

static uint64_t score_of(double lon, double lat) {
    GeoHash h;
    assert_true(geohash_encode_wgs84(lon, lat, GEO_STEP_MAX, &h));
    return geohash_align52(h);
}

/* Values read from redis-server 7.0.15 (GEOADD then ZSCORE / GEOHASH / GEOPOS). */
static void test_known_values(void **state) {
    (void)state;
    assert_true(score_of(13.361389, 38.115556) == 3479099956230698ULL);
    assert_true(score_of(15.087269, 37.502669) == 3479447370796909ULL);
    assert_true(score_of(15, 37) == 3476504601741708ULL);
    assert_true(score_of(0, 0) == 3377699720527872ULL);
    assert_true(score_of(-180, -85.05112878) == 0);
    assert_true(score_of(180, 85.05112878) == 13510798882111488ULL);
    double xy[2];
    char buf[12] = {0};
    assert_true(geohash_score_decode(3479099956230698.0, xy));
    geohash_standard_string(xy, buf);
    assert_string_equal(buf, "sqc8b49rny0");
    char pos[64];
    snprintf(pos, sizeof(pos), "%.17Lf %.17Lf", (long double)xy[0], (long double)xy[1]);
    assert_string_equal(pos, "13.36138933897018433 38.11555639549629859");
    assert_true(geohash_score_decode(3479447370796909.0, xy));
    geohash_standard_string(xy, buf);
    assert_string_equal(buf, "sqdtr74hyu0");
    /* GEODIST Palermo Catania: 166274.1516 m */
    double a[2], b[2];
    geohash_score_decode(3479099956230698.0, a);
    geohash_score_decode(3479447370796909.0, b);
    assert_int_equal(llrint(geo_distance(a[0], a[1], b[0], b[1]) * 10000), 1662741516LL);
    /* out of the limits */
    GeoHash h;
    assert_false(geohash_encode_wgs84(180.0001, 0, 26, &h));
    assert_false(geohash_encode_wgs84(0, 85.06, 26, &h));
    assert_false(geohash_encode_wgs84(NAN, 0, 26, &h));
    assert_false(geohash_encode_wgs84(0, 0, 0, &h));
    assert_false(geohash_encode_wgs84(0, 0, 33, &h));
}

static void test_estimate_step(void **state) {
    (void)state;
    assert_int_equal(geohash_estimate_step(0, 0), 26);
    assert_int_equal(geohash_estimate_step(1e9, 0), 1);
    assert_int_equal(geohash_estimate_step(INFINITY, 0), 1);
    assert_int_equal(geohash_estimate_step(0.001, 0), 26);
    /* a coarser step near the poles */
    int mid = geohash_estimate_step(5000, 10);
    assert_int_equal(geohash_estimate_step(5000, 70), mid - 1);
    assert_int_equal(geohash_estimate_step(5000, -81), mid - 2);
}

static void test_random_round_trip(void **state) {
    (void)state;
    rand_seed(test_seed("round trip", 1));
    for (int i = 0; i < 200000; i++) {
        double lon = rnd_range(GEO_LONG_MIN, GEO_LONG_MAX), lat = rnd_range(GEO_LAT_MIN, GEO_LAT_MAX);
        int step = 1 + (int)(rand_u64() % GEO_STEP_MAX);
        GeoHash h;
        GeoArea a;
        assert_true(geohash_encode_wgs84(lon, lat, step, &h));
        assert_true(h.bits < (1ULL << (2 * step)));
        assert_true(geohash_decode_wgs84(h, &a));
        assert_true(a.lon.min <= lon && lon <= a.lon.max);
        assert_true(a.lat.min <= lat && lat <= a.lat.max);
        /* the cell width is the range over 2^step */
        assert_true(fabs((a.lon.max - a.lon.min) - 360.0 / (double)(1ULL << step)) < 1e-9);
        if (step == GEO_STEP_MAX) {
            /* the score's decoded position lies within half a cell of the point */
            double xy[2];
            assert_true(geohash_score_decode((double)geohash_align52(h), xy));
            assert_true(fabs(xy[0] - lon) <= (a.lon.max - a.lon.min) / 2 + 1e-12);
            assert_true(fabs(xy[1] - lat) <= (a.lat.max - a.lat.min) / 2 + 1e-12);
            /* and re-encodes to the same score */
            assert_true(score_of(xy[0], xy[1]) == geohash_align52(h));
        }
    }
}

/* The index (0 .. 2^step - 1) of the cell whose lower boundary is min. */
static long long cell_index(double min, double range_min, double range_max, int step) {
    return llround((min - range_min) / (range_max - range_min) * (double)(1ULL << step));
}

static void test_random_neighbors(void **state) {
    (void)state;
    rand_seed(test_seed("neighbours", 2));
    for (int i = 0; i < 50000; i++) {
        int step = 1 + (int)(rand_u64() % GEO_STEP_MAX);
        GeoHash h = {.bits = rand_u64() & ((1ULL << (2 * step)) - 1), .step = (uint8_t)step};
        GeoHash nb[8];
        GeoArea c, n;
        geohash_neighbors(h, nb);
        geohash_decode_wgs84(h, &c);
        static const int dx[8] = {0, 0, 1, -1, 1, -1, 1, -1}, dy[8] = {1, -1, 0, 0, 1, 1, -1, -1};
        for (int k = 0; k < 8; k++) {
            assert_int_equal(nb[k].step, step);
            geohash_decode_wgs84(nb[k], &n);
            /* the neighbour is one cell away, modulo the wrap-around, counted in
             * whole cells from the range's edge (dividing the difference of two
             * boundaries by a cell's size instead amplified their rounding: 1.4e-6
             * cells for a wrap at step 18, seed 41736487676) */
            long long cells = 1LL << step;
            long long ex = cell_index(n.lon.min, GEO_LONG_MIN, GEO_LONG_MAX, step) -
                           cell_index(c.lon.min, GEO_LONG_MIN, GEO_LONG_MAX, step) - dx[k];
            long long ey = cell_index(n.lat.min, GEO_LAT_MIN, GEO_LAT_MAX, step) -
                           cell_index(c.lat.min, GEO_LAT_MIN, GEO_LAT_MAX, step) - dy[k];
            assert_int_equal(((ex % cells) + cells) % cells, 0);
            assert_int_equal(((ey % cells) + cells) % cells, 0);
        }
        /* north of south, east of west and the diagonals give the cell back */
        GeoHash back[8];
        geohash_neighbors(nb[GEO_S], back);
        assert_true(back[GEO_N].bits == h.bits);
        geohash_neighbors(nb[GEO_W], back);
        assert_true(back[GEO_E].bits == h.bits);
        geohash_neighbors(nb[GEO_NE], back);
        assert_true(back[GEO_SW].bits == h.bits);
        geohash_neighbors(nb[GEO_SE], back);
        assert_true(back[GEO_NW].bits == h.bits);
    }
}

/* A cell on the max edge (offset 2^step, as GEOADD gives longitude 180 or latitude
 * GEO_LAT_MAX): neighbours moving along one axis wrap it, the other axis keeps
 * its offset, as Redis's neighbour moves do. */
static void test_edge_neighbors(void **state) {
    (void)state;
    for (int step = 1; step <= GEO_STEP_MAX; step++) {
        GeoHash h, nb[8];
        assert_true(geohash_encode_wgs84(180, 85.05112878, step, &h));
        GeoArea a;
        geohash_decode_wgs84(h, &a);
        assert_true(a.lon.min == 180 && a.lat.min == GEO_LAT_MAX); /* one cell past the edges */
        geohash_neighbors(h, nb);
        GeoArea e, n, ne;
        geohash_decode_wgs84(nb[GEO_E], &e);
        geohash_decode_wgs84(nb[GEO_N], &n);
        geohash_decode_wgs84(nb[GEO_NE], &ne);
        assert_true(e.lat.min == GEO_LAT_MAX);  /* latitude untouched */
        assert_true(e.lon.min == -180 + 360.0 / (double)(1ULL << step)); /* wrapped: index 1 */
        assert_true(n.lon.min == 180);          /* longitude untouched */
        assert_true(ne.lat.min == GEO_LAT_MIN + (GEO_LAT_MAX - GEO_LAT_MIN) / (double)(1ULL << step));
    }
}

/* The textbook haversine with atan2, in long double. */
static double model_distance(double lon1, double lat1, double lon2, double lat2) {
    long double d2r = 3.14159265358979323846264338327950288L / 180.0L;
    long double p1 = lat1 * d2r, p2 = lat2 * d2r, dp = p2 - p1, dl = (lon2 - lon1) * d2r;
    long double a = sinl(dp / 2) * sinl(dp / 2) + cosl(p1) * cosl(p2) * sinl(dl / 2) * sinl(dl / 2);
    return (double)(2.0L * 6372797.560856L * atan2l(sqrtl(a), sqrtl(1 - a)));
}

static void test_random_distance(void **state) {
    (void)state;
    rand_seed(test_seed("distance", 3));
    for (int i = 0; i < 200000; i++) {
        double lon1 = rnd_range(-180, 180), lat1 = rnd_range(-85, 85);
        double lon2, lat2;
        if (i % 2) {
            lon2 = rnd_range(-180, 180), lat2 = rnd_range(-85, 85);
        } else { /* near points */
            lon2 = lon1 + rnd_range(-0.01, 0.01), lat2 = lat1 + rnd_range(-0.01, 0.01);
        }
        double d = geo_distance(lon1, lat1, lon2, lat2), m = model_distance(lon1, lat1, lon2, lat2);
        assert_true(fabs(d - m) <= 1e-6 * (m > 1 ? m : 1) + 1e-6);
        assert_true(d >= 0 && d <= M_PI * GEO_EARTH_RADIUS_M + 1);
        /* same longitude: the meridian distance */
        assert_true(geo_distance(lon1, lat1, lon1, lat2) == geo_lat_distance(lat1, lat2));
    }
}

/* The plain rules of the shape test, straight from the formulas. */
static int model_in_shape(const GeoShape *s, const double xy[2], double *dist) {
    if (s->type == GEO_SHAPE_RADIUS) {
        *dist = geo_distance(s->xy[0], s->xy[1], xy[0], xy[1]);
        return *dist <= s->radius * s->conversion;
    }
    if (geo_lat_distance(xy[1], s->xy[1]) > s->height * s->conversion / 2) return 0;
    if (geo_distance(xy[0], xy[1], s->xy[0], xy[1]) > s->width * s->conversion / 2) return 0;
    *dist = geo_distance(s->xy[0], s->xy[1], xy[0], xy[1]);
    return 1;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static size_t lower_bound(const uint64_t *v, size_t n, uint64_t key) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void test_random_search(void **state) {
    (void)state;
    rand_seed(test_seed("search", 4));
    enum { NPOINTS = 3000 };
    static uint64_t scores[NPOINTS];
    static char seen[NPOINTS];
    static const double convs[4] = {1, 1000, 0.3048, 1609.34};
    long total_found = 0;
    for (int round = 0; round < 400; round++) {
        /* a cluster of points around a random centre, away from the poles */
        double clon = rnd_range(-179, 179), clat = rnd_range(-60, 60);
        double spread = pow(10, rnd_range(-3, 1)); /* degrees */
        for (int i = 0; i < NPOINTS; i++) {
            double lon = clon + rnd_range(-spread, spread), lat = clat + rnd_range(-spread, spread);
            if (lon > 180) lon -= 360;
            if (lon < -180) lon += 360;
            scores[i] = score_of(lon, lat);
        }
        qsort(scores, NPOINTS, sizeof(uint64_t), cmp_u64);
        GeoShape s = {0};
        s.type = (round % 3 == 2) ? GEO_SHAPE_BOX : GEO_SHAPE_RADIUS;
        s.conversion = convs[rand_u64() % 4];
        s.xy[0] = clon + rnd_range(-spread, spread);
        s.xy[1] = clat + rnd_range(-spread, spread);
        if (s.xy[0] > 180) s.xy[0] -= 360;
        if (s.xy[0] < -180) s.xy[0] += 360;
        double meters = spread * 111000 * rnd_range(0.05, 1.5);
        s.radius = meters / s.conversion;
        s.width = meters * rnd_range(0.2, 2) / s.conversion;
        s.height = meters * rnd_range(0.2, 2) / s.conversion;
        GeoHash cells[9];
        GeoShape cover = s;
        geo_cover(&cover, cells);
        GeoTester t;
        geo_tester_init(&t, &s);
        memset(seen, 0, sizeof(seen));
        int found = 0, last = -1;
        for (int c = 0; c < 9; c++) {
            if (geohash_is_zero(cells[c])) continue;
            if (last >= 0 && cells[c].bits == cells[last].bits && cells[c].step == cells[last].step) continue;
            last = c;
            uint64_t min, max;
            geohash_cell_scores(cells[c], &min, &max);
            for (size_t i = lower_bound(scores, NPOINTS, min); i < NPOINTS && scores[i] < max; i++) {
                double xy[2], d, md;
                geohash_score_decode((double)scores[i], xy);
                int in = geo_tester_test(&t, xy, &d);
                int min_ = model_in_shape(&s, xy, &md);
                assert_int_equal(in, min_);
                double sxy[2], sd;
                assert_int_equal(geo_tester_score(&t, (double)scores[i], sxy, &sd), in);
                if (in) assert_true(sxy[0] == xy[0] && sxy[1] == xy[1] && sd == d);
                if (in) {
                    assert_true(d == md); /* bit-identical */
                    assert_false(seen[i]);
                    seen[i] = 1;
                    found++;
                }
            }
        }
        /* brute force: every point in the shape was found by the cover */
        for (int i = 0; i < NPOINTS; i++) {
            double xy[2], md;
            geohash_score_decode((double)scores[i], xy);
            if (model_in_shape(&s, xy, &md) && !seen[i]) {
                fprintf(stderr, "missed point %d (%.9f, %.9f), shape type %d centre (%.9f, %.9f) r %g w %g h %g conv %g\n",
                        i, xy[0], xy[1], s.type, s.xy[0], s.xy[1], s.radius, s.width, s.height, s.conversion);
                fail();
            }
        }
        total_found += found;
    }
    assert_true(total_found > 0);
}

/* geo_tester_score against decode-then-test on any score at all (GEO scores,
 * non-integral, negative, huge, infinite, NaN) and random shapes. */
static void test_tester_score(void **state) {
    (void)state;
    rand_seed(test_seed("tester score", 5));
    static const double odd[] = {0, -0.0, -5, 1e30, -1e30, 4503599627370495.5, 9007199254740991.0,
                                 9007199254740992.0, 18446744073709551616.0, 9223372036854775808.0};
    for (int i = 0; i < 100000; i++) {
        GeoShape s = {0};
        s.type = (i & 1) ? GEO_SHAPE_BOX : GEO_SHAPE_RADIUS;
        s.conversion = 1;
        s.xy[0] = rnd_range(-180, 180);
        s.xy[1] = rnd_range(GEO_LAT_MIN, GEO_LAT_MAX);
        s.radius = pow(10, rnd_range(-1, 7.5));
        s.width = pow(10, rnd_range(-1, 7.5));
        s.height = pow(10, rnd_range(-1, 7.5));
        GeoTester t;
        geo_tester_init(&t, &s);
        double score;
        switch (rand_u64() % 4) {
        case 0: score = (double)(rand_u64() & ((1ULL << 52) - 1)); break;
        case 1: score = (double)score_of(fmax(-180, fmin(180, s.xy[0] + rnd_range(-1, 1))), s.xy[1] * rnd_range(0.9, 1)); break;
        case 2: score = odd[rand_u64() % (sizeof(odd) / sizeof(odd[0]))]; break;
        default: score = rnd_range(-1e20, 1e20); break;
        }
        double a[2], b[2], da = -1, db = -1;
        int ra = geohash_score_decode(score, a) && geo_tester_test(&t, a, &da);
        int rb = geo_tester_score(&t, score, b, &db);
        assert_int_equal(ra, rb);
        if (ra) assert_true(a[0] == b[0] && a[1] == b[1] && da == db);
    }
    double x[2], d;
    GeoShape s = {.type = GEO_SHAPE_RADIUS, .conversion = 1, .radius = 1e8};
    GeoTester t;
    geo_tester_init(&t, &s);
    assert_true(geo_tester_score(&t, NAN, x, &d) == (geohash_score_decode(NAN, x) && geo_tester_test(&t, x, &d)));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_estimate_step),
        cmocka_unit_test(test_random_round_trip),
        cmocka_unit_test(test_random_neighbors),
        cmocka_unit_test(test_edge_neighbors),
        cmocka_unit_test(test_random_distance),
        cmocka_unit_test(test_random_search),
        cmocka_unit_test(test_tester_score),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
