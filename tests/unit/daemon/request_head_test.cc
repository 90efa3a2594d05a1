#include "daemon/http/request_head.h"

#include <Poco/Net/HTTPRequest.h>
#include <gtest/gtest.h>

#include <sstream>

namespace vigil::daemon::http {
namespace {

TEST(RequestHead, FindsTheBlankLineThatEndsTheHead) {
  const auto crlf = FindHeadEnd("GET / HTTP/1.1\r\nHost: x\r\n\r\nbody");
  ASSERT_TRUE(crlf);
  EXPECT_EQ(crlf->length, 25u);  // through the last field's CRLF
  EXPECT_EQ(crlf->terminator, 2u);
  const auto lf = FindHeadEnd("GET / HTTP/1.1\nHost: x\n\nbody");
  ASSERT_TRUE(lf);
  EXPECT_EQ(lf->length, 23u);
  EXPECT_EQ(lf->terminator, 1u);
  EXPECT_FALSE(FindHeadEnd("GET / HTTP/1.1\r\nHost: x\r\n"));
  // An empty line before the request line is skipped, not taken for the end (RFC 9112 §2.2).
  const auto leading = FindHeadEnd("\r\nGET / HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(leading);
  EXPECT_EQ(leading->length, 18u);
}

TEST(RequestHead, KnowsWhenTheBodyHasArrived) {
  EXPECT_FALSE(RequestComplete("GET / HTTP/1.1\r\nHost: x\r\n", 100, 1000));
  EXPECT_TRUE(RequestComplete("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 100, 1000));
  EXPECT_FALSE(RequestComplete("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabc", 100, 1000));
  EXPECT_TRUE(RequestComplete("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde", 100, 1000));
  EXPECT_TRUE(RequestComplete("POST / HTTP/1.1\ncontent-length:  5\n\nabcde", 100, 1000));
  // Too large to wait for: answered (413) without reading it.
  EXPECT_TRUE(RequestComplete("POST / HTTP/1.1\r\nContent-Length: 500\r\n\r\n", 100, 1000));
  // A head that fills the peek window is answered (431) rather than waited on forever.
  EXPECT_TRUE(RequestComplete(std::string(1000, 'a'), 100, 1000));
}

TEST(RequestHead, AcceptsWellFormedHeads) {
  for (const char* head : {"GET / HTTP/1.1\r\nHost: x\r\n", "GET /a?b=c%20d HTTP/1.0\r\n",
                           "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nX-Empty:\r\n",
                           "GET / HTTP/1.1\nHost: x\n", "\r\nGET / HTTP/1.1\r\nHost:\tx \r\n",
                           "GET / HTTP/1.1\r\nUser-Agent: caf\xc3\xa9\r\n", "GET / HTTP/9.9\r\nHost: x\r\n"}) {
    EXPECT_EQ(RequestHeadError(head), std::nullopt) << head;
  }
}

TEST(RequestHead, RefusesWhatPocoWouldLetThrough) {
  const struct {
    const char* head;
    const char* says;
  } bad[] = {
      {"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n", "without a colon"},
      {"GET / HTTP/1.1\r\nHost: x\rX-Other: y\r\n", "bare CR"},
      {"GET / HTTP/1.1\rHost: x\r\n", "bare CR"},
      {"GET / HTTP/1.1 junk\r\nHost: x\r\n", "goes on after the HTTP version"},
      {"GET / HTTP/1.1junk\r\nHost: x\r\n", "malformed HTTP version"},
      {"GET  / HTTP/1.1\r\nHost: x\r\n", "two spaces"},
      {"GET /a b HTTP/1.1\r\nHost: x\r\n", "malformed HTTP version"},
      {"GET\t/ HTTP/1.1\r\nHost: x\r\n", "not METHOD TARGET VERSION"},
      {"G(T / HTTP/1.1\r\nHost: x\r\n", "malformed method"},
      {"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n", "non-ASCII"},
      {"GET / HTTP/1.1\r\nHost : x\r\n", "malformed header field"},
      {"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n", "obsolete line folding"},
      {"GET / HTTP/1.1\r\n Host: x\r\n", "obsolete line folding"},
      {"GET / HTTP/1.1\r\nHost: x\x01y\r\n", "control byte"},
      {"GET / HTTP/1.1\r\nHost: x\x7f\r\n", "control byte"},
      {"\r\n", "no request line"},
  };
  for (const auto& c : bad) {
    const auto error = RequestHeadError(c.head);
    ASSERT_TRUE(error) << c.head;
    EXPECT_NE(error->find(c.says), std::string::npos) << *error;
  }
  const auto nul = RequestHeadError(std::string_view("GET / HTTP/1.1\r\nHost: x\0y\r\n", 27));
  ASSERT_TRUE(nul);
  EXPECT_NE(nul->find("NUL"), std::string::npos);
}

Poco::Net::HTTPRequest Parse(const std::string& head) {
  std::istringstream in(head + "\r\n");
  Poco::Net::HTTPRequest request;
  request.read(in);
  return request;
}

TEST(RequestHead, FramingThatSmugglesIsRefused) {
  EXPECT_EQ(FramingError(Parse("GET / HTTP/1.1\r\nHost: x\r\n")), std::nullopt);
  EXPECT_EQ(FramingError(Parse("GET / HTTP/1.0\r\n")), std::nullopt);
  EXPECT_EQ(FramingError(Parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n")), std::nullopt);
  const struct {
    const char* head;
    const char* says;
  } bad[] = {
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 7\r\n", "more than one Content-Length"},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n", "plain decimal"},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n", "plain decimal"},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1234567890123456789\r\n", "plain decimal"},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n", "both"},
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n", "more than one Host"},
      {"GET / HTTP/1.1\r\n", "without Host"},
      {"GET * HTTP/1.1\r\nHost: x\r\n", "must be a path"},
      {"GET http://x/ HTTP/1.1\r\nHost: x\r\n", "must be a path"},
  };
  for (const auto& c : bad) {
    const auto error = FramingError(Parse(c.head));
    ASSERT_TRUE(error) << c.head;
    EXPECT_NE(error->find(c.says), std::string::npos) << *error;
  }
}

}  // namespace
}  // namespace vigil::daemon::http
