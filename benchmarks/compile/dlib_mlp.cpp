// The compile-time yardstick of scripts/compile_times.sh: dlib 19.24 (Debian's libdlib-dev) training
// the README's [784, 30, 10] sigmoid network on MNIST with SGD, mini-batch 10, 30 epochs, and
// counting the test images it gets right. Only compiled (g++ -O2 -c), never part of the build.
#include <dlib/data_io.h>
#include <dlib/dnn.h>

#include <iostream>
#include <vector>

using net_type = dlib::loss_multiclass_log<dlib::fc<10, dlib::sig<dlib::fc<30, dlib::input<dlib::matrix<unsigned char>>>>>>;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: dlib_mlp MNIST_FOLDER (the four uncompressed IDX files)\n";
    return 2;
  }
  std::vector<dlib::matrix<unsigned char>> training_images, test_images;
  std::vector<unsigned long> training_labels, test_labels;
  dlib::load_mnist_dataset(argv[1], training_images, training_labels, test_images, test_labels);
  net_type net;
  dlib::dnn_trainer<net_type> trainer(net, dlib::sgd(0, 0));
  trainer.set_learning_rate(3.0);
  trainer.set_min_learning_rate(3.0);
  trainer.set_mini_batch_size(10);
  trainer.set_max_num_epochs(30);
  trainer.be_verbose();
  trainer.train(training_images, training_labels);
  const std::vector<unsigned long> predicted = net(test_images);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < test_images.size(); ++i) correct += predicted[i] == test_labels[i];
  std::cout << correct << " / " << test_images.size() << "\n";
}
