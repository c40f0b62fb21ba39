using System.IO;
using System.Linq;
using TorchSharp.PyBridge;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.Models.Tests;

/// <summary><see cref="weights"/> on a whole <c>Ddf.models</c> network: PyTorch-format weights load strictly, a head of
/// another size is refused with its keys and shapes and leaves the network as it was.</summary>
public class WeightLoadingTests
{
    [Fact]
    public void A_DDF_ResNet_18_loads_PyTorch_format_weights_and_refuses_a_head_of_another_size()
    {
        manual_seed(5);
        var trained = models.ddf_resnet18(num_classes: 10);
        string path = Path.GetTempFileName();
        try
        {
            trained.save_py(path);

            var net = weights.load(models.ddf_resnet18(num_classes: 10), path);
            var expected = trained.state_dict();
            foreach (var (key, tensor) in net.state_dict())
                Assert.True(tensor.eq(expected[key]).all().item<bool>(), key);

            var wider = models.ddf_resnet18(num_classes: 20);
            var before = wider.state_dict().ToDictionary(entry => entry.Key, entry => entry.Value.detach().clone());
            var error = Assert.Throws<InvalidDataException>(() => wider.load_weights(path));
            Assert.Contains("wrong shape for 'fc.weight': got [10, 512], the module needs [20, 512]", error.Message);
            Assert.Contains("wrong shape for 'fc.bias': got [10], the module needs [20]", error.Message);
            Assert.Equal(2, error.Message.Split('\n').Count(line => line.StartsWith("  ")));
            foreach (var (key, tensor) in wider.state_dict())
                Assert.True(tensor.eq(before[key]).all().item<bool>(), $"{key} changed although the load was refused");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
