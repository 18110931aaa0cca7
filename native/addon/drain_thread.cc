#include "drain_thread.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vigil {

// Longest poll tick. Records wait in the ring, not in a batch, until a
// tick; a tick wakes this thread even when nothing happens, which costs CPU
// on an idle node. A backlog wakes it at once (emit.bpf.h), so a long tick
// delays quiet-time records only, never lets the ring fill.
constexpr uint32_t kMaxPollMs = 50;

DrainThread::DrainThread(BpfLoader& loader, DrainOptions options, Deliver deliver)
    : loader_(loader), options_(options), deliver_(std::move(deliver)), batch_(new Batch) {}

DrainThread::~DrainThread() {
  RequestStop();
  Join();
}

std::string DrainThread::Start() {
  std::string err = loader_.OpenRing(&DrainThread::OnSample, this);
  if (!err.empty()) return err;
  loader_.ReadCounters(last_);
  last_flush_ = std::chrono::steady_clock::now();
  thread_ = std::thread(&DrainThread::Run, this);
  return "";
}

void DrainThread::Join() {
  if (thread_.joinable()) thread_.join();
}

int DrainThread::OnSample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<DrainThread*>(ctx);
  if (self->consumer_gone_) return -ECANCELED;  // stops ring_buffer__poll
  self->batch_->Append(data, static_cast<uint32_t>(size));
  if (self->batch_->records >= self->options_.batch_records) self->Flush();
  return 0;
}

void DrainThread::Flush() {
  last_flush_ = std::chrono::steady_clock::now();
  CounterTable now = {};
  if (loader_.ReadCounters(now)) {
    for (int t = 0; t < VIGIL_EVENT_TYPE_MAX; t++)
      for (int c = 0; c < VIGIL_CNT_MAX; c++) {
        batch_->deltas[t][c] = now[t][c] - last_[t][c];
        last_[t][c] = now[t][c];
      }
  }
  if (batch_->records == 0 && !batch_->HasDeltas()) return;
  Batch* full = batch_.release();
  batch_.reset(new Batch);
  batch_->data.reserve(full->data.capacity());
  if (!deliver_(full)) consumer_gone_ = true;
}

void DrainThread::Run() {
  const auto flush_every = std::chrono::milliseconds(options_.flush_ms);
  const int poll_ms = static_cast<int>(std::min(options_.flush_ms, kMaxPollMs));
  batch_->data.reserve(size_t(options_.batch_records) * 256);
  while (!stop_ && !consumer_gone_) {
    // Records arrive without a wakeup until a backlog builds (emit.bpf.h), so
    // the timeout is the normal path: consume whatever is there each tick.
    int n = ring_buffer__poll(loader_.ring(), poll_ms);
    if (n == 0) n = ring_buffer__consume(loader_.ring());
    if (n < 0 && n != -EINTR && n != -ECANCELED) {
      batch_->error = std::string("poll ring buffer: ") + strerror(-n);
      break;
    }
    if (std::chrono::steady_clock::now() - last_flush_ >= flush_every) Flush();
  }
  // Nothing new can arrive once detached; what is already in the ring is
  // delivered so that stop() loses no record.
  loader_.Detach();
  if (!consumer_gone_) ring_buffer__consume(loader_.ring());
  if (!consumer_gone_) {
    Flush();
    if (!batch_->error.empty() && !consumer_gone_) {
      deliver_(batch_.release());
      batch_.reset(new Batch);
    }
  }
  if (on_exit_) on_exit_();
}

}  // namespace vigil
