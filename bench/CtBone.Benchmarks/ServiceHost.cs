using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CtBone.Benchmarks;

/// <summary>A ctbone service process (serve, api or worker) that a benchmark starts, waits for and kills; its output is kept to show on failure.</summary>
internal sealed class ServiceHost : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServiceHost(Process process) => _process = process;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts <c>dotnet CTBONE_DLL args</c> with extra environment variables (the service's settings).</summary>
    public static ServiceHost Start(string ctbone, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ctbone);
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var host = new ServiceHost(Process.Start(start)!);
        host._process.OutputDataReceived += (_, e) => host.Append(e.Data);
        host._process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200 (serve, api).</summary>
    public async Task WaitForHttpAsync(Uri baseAddress)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        await WaitAsync(async () =>
        {
            try
            {
                using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative)).ConfigureAwait(false);
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Waits until the output holds <paramref name="text"/> (a worker: "all the dispatchers started").</summary>
    public Task WaitForLogAsync(string text) => WaitAsync(() => Task.FromResult(Log.Contains(text, StringComparison.Ordinal)));

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitAsync(Func<Task<bool>> ready)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!await ready().ConfigureAwait(false))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the service did not start:\n" + Log);
            }

            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }
}
