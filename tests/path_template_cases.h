// One table of AuthorizationPolicy path-template cases (docs/semantics.md
// §8.4) that the simulator (tests/model/policy_test.cc) and the verifier's
// encoding (tests/crosscheck/path_template_test.cc) must both pass.
#ifndef MESHSIM_TESTS_PATH_TEMPLATE_CASES_H_
#define MESHSIM_TESTS_PATH_TEMPLATE_CASES_H_

namespace meshsim::testing {

struct PathTemplateCase {
  const char* templ;
  const char* path;
  bool matches;
};

inline constexpr PathTemplateCase kPathTemplateCases[] = {
    // {**}: the rest of the path after the '/', possibly empty.
    {"/admin/{**}", "/admin/", true},
    {"/admin/{**}", "/admin/x", true},
    {"/admin/{**}", "/admin/x/y/z", true},
    {"/admin/{**}", "/admin", false},
    {"/admin/{**}", "/administrator", false},
    {"/admin/{**}", "/admin/x?q=1", true},
    {"/{**}", "/", true},
    {"/{**}", "/anything/at/all", true},
    // {*}: exactly one non-empty segment.
    {"/api/{*}/items", "/api/v1/items", true},
    {"/api/{*}/items", "/api/v1/v2/items", false},
    {"/api/{*}/items", "/api//items", false},
    {"/api/{*}", "/api/v1", true},
    {"/api/{*}", "/api/", false},
    {"/api/{*}", "/api/v1/", false},
    {"/{*}/{*}/{**}", "/a/b/", true},
    {"/{*}/{*}/{**}", "/a/b", false},
    // Characters outside RFC 3986 pchar are not matched by an operator.
    {"/api/{*}", "/api/a b", false},
    {"/files/{**}", "/files/a/b.txt", true},
    // Literal segments may follow {**} (Envoy: "/admin/" + [pchar/]* +
    // "/x"): they end the path, after at least one more segment.
    {"/admin/{**}/x", "/admin/y/x", true},
    {"/admin/{**}/x", "/admin/a/b/x", true},
    {"/admin/{**}/x", "/admin//x", true},
    {"/admin/{**}/x", "/admin/x", false},
    {"/admin/{**}/x", "/admin/x/y", false},
    {"/admin/{**}/x/y", "/admin/q/x/y", true},
    {"/admin/{**}/x/y", "/admin/q/x", false},
    {"/{*}/{**}/end", "/a/end", false},
    {"/{*}/{**}/end", "/a/b/end", true},
    {"/{*}/{**}/end", "/a/b c/end", false},
};

}  // namespace meshsim::testing

#endif  // MESHSIM_TESTS_PATH_TEMPLATE_CASES_H_
