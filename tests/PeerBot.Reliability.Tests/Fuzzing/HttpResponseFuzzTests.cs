using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;
using PeerBot.Discord;
using PeerBot.Discord.Rest;
using PeerBot.Slack;
using PeerBot.Slack.Api;

namespace PeerBot.Reliability.Tests.Fuzzing;

/// <summary>
/// The Discord REST client and the Slack Web API client against random HTTP answers: any status, garbage rate-limit
/// headers (Retry-After negative, huge, not a number), truncated or wrongly shaped bodies, and failing connections.
/// Every call ends, within a bounded stretch of (fake) time, with a result or the adapter's typed failure, never another
/// exception and never a hang.
/// </summary>
public sealed class HttpResponseFuzzTests
{
    // Longer than any wait a client should accept from a server's header: a day.
    private static readonly TimeSpan MaxFakeWait = TimeSpan.FromDays(1);

    private static readonly string[] RetryAfters =
    [
        "-5", "0", "0.5", "1", "3", "1e9", "abc", "", " ", "99999999999999999999", "NaN", "Infinity", "-0", "2147483648",
        "Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "1,2", "\u0660",
    ];

    private static readonly string[] Bodies =
    [
        "", "{", "{\"ok\":", "[]", "null", "1", "\"x\"", "{}", "{\"ok\":true}", "{\"ok\":false}", "{\"ok\":\"yes\"}", "{\"ok\":false,\"error\":5}",
        "{\"ok\":false,\"error\":\"ratelimited\"}", "{\"ok\":false,\"error\":\"invalid_auth\"}", "{\"ok\":false,\"error\":\"channel_not_found\"}",
        "{\"ok\":true,\"channel\":{\"id\":7},\"ts\":[]}", "{\"retry_after\":-1,\"global\":true}", "{\"retry_after\":1e308}", "{\"retry_after\":\"soon\"}",
        "{\"code\":\"x\",\"message\":5}", "{\"code\":50013,\"message\":\"Missing Permissions\"}", "{\"code\":10003}", "{\"id\":\"1\",\"channel_id\":2}",
        "<html>502 Bad Gateway</html>", "\uFEFF{\"ok\":true}", "{\"ok\":true,\"response_metadata\":{\"next_cursor\":5}}",
    ];

    [Fact]
    public async Task DiscordRest_RandomResponses_EndWithAResultOrPlatformException()
    {
        var random = new Random(7707);
        var count = Fuzz.Cases(300);
        for (var i = 0; i < count; i++)
        {
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 18, 0, 0, TimeSpan.Zero));
            using var handler = new RandomHandler(random);
            var options = new DiscordAdapterOptions();
            var client = new DiscordRestClient(new HttpClient(handler), "https://discord.test/api/v10", "tkn", options, time, NullLogger<DiscordRestClient>.Instance);
            var waits = Channel.CreateUnbounded<TimeSpan?>();
            client.Activity.WaitStarted += wait => waits.Writer.TryWrite(wait.Delay);
            var path = Fuzz.Pick(random, ["/channels/300/messages", "/guilds/100/channels", "/users/@me/channels", "/interactions/1/tok/callback", "/channels/300/messages/5"]);
            var method = Fuzz.Pick(random, ["GET", "POST", "PATCH", "DELETE"]);
            await EndsAsync(time, i, 7707, handler, waits.Reader, () => client.SendAsync(new HttpMethod(method), path, new JsonObject { ["content"] = "hi" }, "Send Messages", CancellationToken.None),
                ex => ex is PlatformException);
        }
    }

    [Fact]
    public async Task SlackApi_RandomResponses_EndWithAResultOrTypedFailure()
    {
        var random = new Random(8808);
        var count = Fuzz.Cases(300);
        for (var i = 0; i < count; i++)
        {
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 18, 0, 0, TimeSpan.Zero));
            using var handler = new RandomHandler(random);
            var timers = new SlackTimers(time);
            var waits = Channel.CreateUnbounded<TimeSpan?>();
            timers.DelayStarted += (delay, _) => waits.Writer.TryWrite(delay);
            var peerBot = Options.Create(new PeerBotOptions { Slack = { BotToken = "xoxb-1", AppToken = "xapp-1", ApiBaseUrl = "https://slack.test/api/" } });
            var client = new SlackApiClient(new HandlerFactory(handler), peerBot, Options.Create(new SlackAdapterOptions()), new SlackRateLimiter(timers), timers, NullLogger<SlackApiClient>.Instance);
            Func<Task> call = random.Next(3) switch
            {
                0 => () => client.PostAsync("chat.postMessage", new JsonObject { ["channel"] = "C1", ["text"] = "hi" }, CancellationToken.None),
                1 => () => client.GetAsync("users.info", new Dictionary<string, string> { ["user"] = "U1" }, CancellationToken.None),
                _ => () => client.OpenSocketModeConnectionAsync(CancellationToken.None),
            };
            await EndsAsync(time, i, 8808, handler, waits.Reader, call, ex => ex is PlatformException or SlackApiException or SlackFatalException);
        }
    }

    /// <summary>
    /// Runs the call and, each time it starts a wait (the client reports it once the timer exists), moves the fake clock
    /// past that wait; it must end in bounded fake time with an allowed outcome. Real time only bounds a hang.
    /// </summary>
    private static async Task EndsAsync(
        FakeTimeProvider time, int i, int seed, RandomHandler handler, ChannelReader<TimeSpan?> waits, Func<Task> call, Func<Exception, bool> allowed)
    {
        var start = time.GetUtcNow();
        using var safetyNet = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var task = Task.Run(call);
        var step = 0;
        while (true)
        {
            var waiting = waits.WaitToReadAsync(safetyNet.Token).AsTask();
            if (await Task.WhenAny(task, waiting) == task)
            {
                break;
            }

            if (!waiting.IsCompletedSuccessfully)
            {
                Assert.Fail($"Case {i} of seed {seed}: the call neither ended nor waited on the clock within {TimeSpan.FromSeconds(30)}.\n{handler.Script}");
            }

            while (waits.TryRead(out var wait))
            {
                if (wait is not { } delay)
                {
                    Assert.Fail($"Case {i} of seed {seed}: a lone call waited in a bucket's queue, behind nothing.\n{handler.Script}");
                    return;
                }

                if (++step > 2_000 || time.GetUtcNow() - start > MaxFakeWait)
                {
                    Assert.Fail($"Case {i} of seed {seed}: the call did not end (waited {time.GetUtcNow() - start} on the clock).\n{handler.Script}");
                }

                // Up to the whole millisecond: the timer (Task.Delay drops the fraction) fires, and a check against the exact moment passes.
                time.Advance(TimeSpan.FromTicks((delay.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond));
            }
        }

        await safetyNet.CancelAsync();
        if (task.Exception?.InnerException is { } ex && !allowed(ex))
        {
            Assert.Fail($"Case {i} of seed {seed}: {ex.GetType().Name}: {ex.Message}\n{handler.Script}\n{ex}");
        }
    }

    private sealed class HandlerFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    /// <summary>Answers every request at random, and keeps a script of what it answered for the failure message.</summary>
    private sealed class RandomHandler(Random random) : HttpMessageHandler
    {
        private readonly StringBuilder _script = new();
        private readonly object _gate = new();

        public string Script
        {
            get
            {
                lock (_gate)
                {
                    return _script.ToString();
                }
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                var roll = random.Next(20);
                if (roll == 0)
                {
                    _script.AppendLine("-> connection refused");
                    throw new HttpRequestException("connection refused");
                }

                if (roll == 1)
                {
                    _script.AppendLine("-> timed out");
                    throw new TaskCanceledException("timed out", new TimeoutException());
                }

                var status = random.Next(4) switch
                {
                    0 => 200,
                    1 => 429,
                    2 => Fuzz.Pick(random, ["201", "204", "400", "401", "403", "404", "500", "502", "503", "504"]) is var s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : 500,
                    _ => random.Next(100, 600),
                };
                var body = random.Next(6) == 0 ? Fuzz.Text(random) : Fuzz.Pick(random, Bodies);
                if (random.Next(5) == 0 && body.Length > 1)
                {
                    body = body[..random.Next(body.Length)];
                }

                var response = new HttpResponseMessage((HttpStatusCode)status)
                {
                    Content = new StringContent(body, Encoding.UTF8, Fuzz.Pick(random, ["application/json", "text/html", "text/plain"])),
                    RequestMessage = request,
                };
                var headers = new List<string>();
                foreach (var name in new[] { "Retry-After", "X-RateLimit-Remaining", "X-RateLimit-Reset-After", "X-RateLimit-Bucket", "X-RateLimit-Global", "X-RateLimit-Limit", "X-RateLimit-Scope" })
                {
                    if (random.Next(2) == 0)
                    {
                        var value = random.Next(4) == 0 ? Fuzz.Text(random, 2) : Fuzz.Pick(random, RetryAfters);
                        response.Headers.TryAddWithoutValidation(name, value);
                        headers.Add($"{name}: {value}");
                    }
                }

                _script.AppendLine($"-> {status} [{string.Join("; ", headers)}] {(body.Length > 80 ? body[..80] : body)}");
                return Task.FromResult(response);
            }
        }
    }
}
