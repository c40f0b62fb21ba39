using System;
using System.Diagnostics;
using System.Threading;
using Ddf;
using TorchSharp;
using static TorchSharp.torch;

// dotnet run --project tools/scalar-race -c Release -- [temporary|held|collectionfree] [thread|nothread] [seconds]
//
// BatchNorm's num_batches_tracked.add_(1) and a float add_, in a loop, for N seconds. "temporary" lets TorchSharp
// convert 1 and 1e-8 to Scalars per call (only a finalizer frees them); "held" passes Scalars kept alive;
// "collectionfree" makes the temporaries but runs every 1,000 iterations inside Ddf.CollectionFree.Run. "thread" runs
// a second thread that allocates about 15 MB/s (16 KB, then a 1 ms sleep), so garbage collections start there while
// the loop is inside libtorch; run with DOTNET_GCgen0size=0x10000 to make them frequent.
// Measured: README, "TorchSharp and the garbage collector".
string mode = args.Length > 0 ? args[0] : "temporary";
bool thread = args.Length < 2 || args[1] == "thread";
double seconds = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 60;
if (mode is not ("temporary" or "held" or "collectionfree"))
{
    Console.WriteLine($"mode must be temporary, held or collectionfree, got {mode}");
    return 2;
}

var counter = zeros(1, dtype: ScalarType.Int64);
var value = zeros(1);
using var one = 1.ToScalar();
using var tiny = 1e-8.ToScalar();
bool stop = false;
var allocator = new Thread(() =>
{
    var recent = new object[256];
    for (int i = 0; !Volatile.Read(ref stop); i++)
    {
        recent[i % recent.Length] = new byte[64];
        if (i % 256 == 255)
            Thread.Sleep(1);
    }
}) { IsBackground = true };
if (thread)
    allocator.Start();
var clock = Stopwatch.StartNew();
long calls = 0;

void Temporaries(int n)
{
    for (int i = 0; i < n; i++, calls++)
    {
        counter.add_(1);
        value.add_(1e-8);
    }
}

try
{
    while (clock.Elapsed.TotalSeconds < seconds)
    {
        switch (mode)
        {
            case "held":
                for (int i = 0; i < 1000; i++, calls++)
                {
                    counter.add_(one, one);
                    value.add_(tiny, one);
                }
                break;
            case "collectionfree":
                CollectionFree.Run(() => Temporaries(1000));
                break;
            default:
                Temporaries(1000);
                break;
        }
    }
    Console.WriteLine($"ok: {calls:N0} iterations in {seconds} s, {GC.CollectionCount(0):N0} collections, {CollectionFree.Lapsed} lapsed regions");
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
}
