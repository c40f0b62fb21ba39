using System;
using System.Diagnostics;
using System.Threading;
using TorchSharp;
using static TorchSharp.torch;

// BatchNorm's num_batches_tracked.add_(1) and a float add_, in a loop, for N seconds. "temporary" lets TorchSharp
// convert 1 and 1e-8 to Scalars per call (only a finalizer frees them); "held" passes Scalars kept alive. "thread"
// runs a second thread that allocates, so garbage collections start while the loop is inside libtorch.
// Measured (2026-12-02, 2-core dev VM): temporary + thread failed in 0.1-2.1 s in 4 of 4 runs ("Unknown scalar type.",
// "Expected false to be true"); temporary + nothread and held + thread ran 60 s clean.
bool held = args.Length > 0 && args[0] == "held";
bool thread = args.Length < 2 || args[1] == "thread";
double seconds = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 60;

var counter = zeros(1, dtype: ScalarType.Int64);
var value = zeros(1);
using var one = 1.ToScalar();
using var tiny = 1e-8.ToScalar();
bool stop = false;
object? sink = null;
var allocator = new Thread(() => { while (!Volatile.Read(ref stop)) sink = new byte[64]; }) { IsBackground = true };
if (thread)
    allocator.Start();
var clock = Stopwatch.StartNew();
long calls = 0;
try
{
    for (; clock.Elapsed.TotalSeconds < seconds; calls++)
    {
        if (held)
        {
            counter.add_(one, one);
            value.add_(tiny, one);
        }
        else
        {
            counter.add_(1);
            value.add_(1e-8);
        }
    }
    Console.WriteLine($"ok: {calls:N0} iterations in {seconds} s, {GC.CollectionCount(0):N0} collections");
    return 0;
}
catch (Exception e)
{
    Console.WriteLine($"failed after {calls:N0} iterations, {clock.Elapsed.TotalSeconds:F1} s, {GC.CollectionCount(0):N0} collections: {e.Message.Split('\n')[0]}");
    return 1;
}
finally
{
    Volatile.Write(ref stop, true);
    GC.KeepAlive(sink);
}
