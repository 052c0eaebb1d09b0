/* Unit tests of the activity tracker on message forms from the real-log
 * corpus (clean runs and hangs with no error): the nccl-tests summary is a
 * completion line, Ray's per-iteration "Training finished iteration N" is
 * not, the store-based barrier of process-group init and TensorFlow's NCCL
 * all-reduce setup are collective setup, and an indented NCCL line still
 * names its host. */
#include <string.h>
#include "tests/unit/harness.h"
#include "diagnose/activity.h"
#include "diagnose/linemarks.h"
#include "diagnose/internal.h"
#include "tests/unit/test_diag_util.h"

/* The verdict of a log fed line by line (no training step), as the offline
 * diagnosis builds it when no rule found a failure. */
static json_t *verdict_of(const char *const *lines)
{
    struct activity a;
    activity_init(&a);
    for (const char *const *l = lines; *l; l++)
        activity_line(&a, *l, strlen(*l), -1);
    json_t *v = verdict_base("none", "success", "none", 0.7, "No failure was found in the logs.");
    activity_verdict(&a, v);
    return v;
}

static const char *vs(json_t *v, const char *k)
{
    return json_string_value(json_object_get(v, k));
}

TEST(cclean_nccl_tests_summary_is_completion)
{
    const char *lines[] = {
        "   133169160      33292290     float     sum      -1   2666.0   49.95   95.74      0   "
        "2660.4   50.06   95.94      0",
        "testgpu1:2832:2832 [1] NCCL INFO comm 0x55c6f1c65b50 rank 0 nranks 2 cudaDev 0 busId "
        "3000 - Destroy COMPLETE",
        "# Out of bounds values : 0 OK",
        "# Avg bus bandwidth    : 84.8558",
        "#",
        NULL};
    json_t *v = verdict_of(lines);
    CHECK_STR(vs(v, "category"), "none");
    CHECK_STR(vs(v, "type"), "success");
    json_decref(v);
}

TEST(cclean_megatron_final_evaluation_sagemaker_and_elastic_are_completion)
{
    const char *neox[] = {
        " validation results at the end of training for val data | lm_loss value: 2.536536E+00 | "
        "lm_loss_ppl value: 1.263582E+01 |",
        NULL};
    const char *megatron[] = {
        " validation loss at the end of training for val data | lm loss value: 2.105E+00 |", NULL};
    const char *sagemaker[] = {"2020-05-24 21:14:16 Uploading - Uploading generated training model",
                               "2020-05-24 21:14:22 Completed - Training job completed", NULL};
    const char *elastic[] = {
        "INFO:torch.distributed.elastic.agent.server.api:Local worker group finished (SUCCEEDED). "
        "Waiting 300 seconds for other agents to finish",
        NULL};
    const char *const *logs[] = {neox, megatron, sagemaker, elastic};
    for (size_t i = 0; i < 4; i++) {
        json_t *v = verdict_of(logs[i]);
        CHECK_STR(vs(v, "type"), "success");
        json_decref(v);
    }
    const char *mid[] = {" validation loss at iteration 1000 | lm loss value: 2.105E+00 |", NULL};
    json_t *v = verdict_of(mid); /* an evaluation during training proves nothing */
    CHECK_STR(vs(v, "type"), "no_failure");
    json_decref(v);
}

TEST(cclean_ray_iteration_report_is_not_completion)
{
    const char *iter[] = {
        "Training finished iteration 1 at 2023-06-22 22:44:43. Total running time: 8s",
        "Training saved a checkpoint for iteration 1 at: /home/ray/ray_results/x/checkpoint_000000",
        NULL};
    json_t *v = verdict_of(iter);
    CHECK_STR(vs(v, "type"), "no_failure");
    json_decref(v);
    const char *done[] = {"Training finished.", NULL}; /* the plain form still counts */
    v = verdict_of(done);
    CHECK_STR(vs(v, "type"), "success");
    json_decref(v);
}

TEST(cclean_store_barrier_wait_is_setup)
{
    const char *lines[] = {
        "I0510 07:28:04.417845 139863945226048 distributed_c10d.py:337] Waiting in store based "
        "barrier to initialize process group for rank: 2, key: store_based_barrier_key:2 "
        "(world_size=8, worker_count=7, timeout=0:30:00)",
        NULL};
    json_t *v = verdict_of(lines);
    CHECK_STR(vs(v, "category"), "hang");
    CHECK_STR(vs(v, "action"), "restart");
    CHECK(json_is_true(json_object_get(v, "suspected")));
    json_decref(v);
}

TEST(cclean_tf_nccl_allreduce_setup_is_setup)
{
    const char *lines[] = {
        "I0506 17:39:13.215021 140137954514688 model.py:94] train_step begins...",
        "INFO:tensorflow:batch_all_reduce: 369 all-reduces with algorithm = nccl, num_packs = 1",
        NULL};
    json_t *v = verdict_of(lines);
    CHECK_STR(vs(v, "type"), "hang");
    json_decref(v);
}

TEST(cclean_indented_nccl_setup_names_host)
{
    const char *lines[] = {
        "    mmosbach-20307:536:718 [1] NCCL INFO Pattern 4, crossNic 0, nChannels 2, bw "
        "12.000000/12.000000, type PHB/PIX, sameChannels 1",
        "    mmosbach-20307:535:717 [0] NCCL INFO  1 : GPU/1 GPU/0",
        NULL};
    json_t *v = verdict_of(lines);
    CHECK_STR(vs(v, "type"), "hang");
    json_t *c = json_object_get(v, "culprit");
    CHECK_STR(json_string_value(json_object_get(c, "host")), "mmosbach-20307");
    json_decref(v);
}

TEST(cclean_kohya_final_save_is_completion)
{
    const char *lines[] = {
        "steps: 100%|#####| 1500/1500 [20:23<00:00,  1.23it/s, loss=0.0729]save trained model to "
        "D:/out/model\\baifern.safetensors",
        "model saved.",
        NULL};
    json_t *v = verdict_of(lines);
    CHECK_STR(vs(v, "type"), "success");
    json_decref(v);
    const char *best[] = {"Epoch 3: best model saved.", NULL}; /* an intermediate save */
    v = verdict_of(best);
    CHECK_STR(vs(v, "type"), "no_failure");
    json_decref(v);
}

/* An IDE's run console after the process exited 0 (PyCharm), and the
 * transformers Trainer's metrics after train() returned, are completion;
 * another exit code, or an eval's metrics alone, are not (a failure
 * before them still decides: tests/data/diagnose, ide_exit_0_after_error). */
TEST(cclean_exit_code_0_and_train_metrics_are_completion)
{
    const char *ide[] = {"{'loss': 0.91, 'epoch': 3.0}", "", "Process finished with exit code 0", NULL};
    const char *hf[] = {"{'loss': 0.91, 'epoch': 3.0}", "***** train metrics *****",
                        "  epoch                    =        3.0", NULL};
    /* musubi-tuner's final save after its logger's prefix, and after the
     * last tqdm bar on the same line (the bar ended with a carriage return);
     * a "Training complete" line */
    const char *logged[] = {"steps: 50%|#####| 48/96 [17:00<17:00, 21.4s/it]", "INFO:musubi_tuner.hv_train_network:model saved.",
                            NULL};
    const char *bar[] = {"steps: 100%|##########| 96/96 [34:21<00:00, 21.47s/it, avr_loss=0.0733]"
                         "INFO:musubi_tuner.hv_train_network:model saved.",
                         NULL};
    const char *complete[] = {"epoch 100", "Training complete. Logs are available in the console", NULL};
    const char *sagemaker[] = {"{'TrainingJobName': 'ic-2024', 'TrainingJobStatus': 'Completed',", NULL};
    const char *const *done[] = {ide, hf, logged, bar, complete, sagemaker};
    for (size_t i = 0; i < sizeof done / sizeof *done; i++) {
        json_t *v = verdict_of(done[i]);
        CHECK_STR(vs(v, "type"), "success");
        json_decref(v);
    }
    const char *exit1[] = {"{'loss': 0.91, 'epoch': 3.0}", "Process finished with exit code 1", NULL};
    const char *eval[] = {"{'loss': 0.91, 'epoch': 3.0}", "***** eval metrics *****", NULL};
    const char *notlogger[] = {"step 3", "ERROR:train:model saved.x", NULL};          /* not the whole message */
    const char *barbest[] = {"e: 100%|#| 9/9 [00:09<00:00, 1.0it/s]best model saved.", NULL}; /* an intermediate save */
    const char *const *not_done[] = {exit1, eval, notlogger, barbest};
    for (size_t i = 0; i < sizeof not_done / sizeof *not_done; i++) {
        json_t *v = verdict_of(not_done[i]);
        CHECK(strcmp(vs(v, "type"), "success") != 0);
        json_decref(v);
    }
}

/* The run's last epoch finished (twenty-seventh session): Keras's bar
 * complete under "Epoch N/N", a tqdm bar over the epochs at 100%; Ray
 * Tune's "Trial X completed. Last result:", a "Total Training Time:" or
 * "training wall time:" summary, French's "Entraînement terminé"
 * (twenty-eighth session). Not the last epoch's header alone, not
 * an earlier epoch's complete bar, not a bar over one epoch's batches. */
TEST(cclean_last_epoch_finished_is_completion)
{
    const char *keras[] = {"Epoch 4/5", "3125/3125 [==============================] - 13s 4ms/step - loss: 0.1",
                           "Epoch 5/5", "3125/3125 [==============================] - 13s 4ms/step - loss: 0.1",
                           NULL};
    const char *tqdm[] = {"Epoch: 100%|\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88| 13/13 [61:14:16<00:00, 16952.06s/it]",
                          "save roberta.zip", NULL};
    const char *tune[] = {"Trial TensorflowTrainer_a748c_00000 completed. Last result:", NULL};
    const char *total[] = {"Total Training Time: 21.98 min", "Test accuracy 35.97%", NULL};
    const char *wall[] = {"training wall time: 1.33 min", NULL};
    /* French, with its accents and without (twenty-eighth session) */
    const char *fr[] = {"Episode 400/400 | Reward moyen (100 ep): 14.1",
                        "Entrainement termine. Reward final moyen (100 ep): 14.1", NULL};
    const char *fr2[] = {"Entra\xc3\xaenement termin\xc3\xa9 en 3 h 12 min", NULL};
    const char *basicsr[] = {"31-10-2024 04:50 PM | INFO: End of training. Time consumed: 0:00:00", NULL};
    const char *const *done[] = {keras, tqdm, tune, total, wall, fr, fr2, basicsr};
    for (size_t i = 0; i < sizeof done / sizeof *done; i++) {
        json_t *v = verdict_of(done[i]);
        CHECK_STR(vs(v, "type"), "success");
        json_decref(v);
    }
    const char *header[] = {"Epoch 4/5", "3125/3125 [==============================] - 13s", "Epoch 5/5",
                            "1200/3125 [=========>....................] - ETA: 8s", NULL};
    const char *earlier[] = {"Epoch 4/5", "3125/3125 [==============================] - 13s", NULL};
    const char *batches[] = {"Epoch 145/200: 100%|\xe2\x96\x88\xe2\x96\x88| 7851/7851 [03:03<00:00, 42.73img/s]", NULL};
    const char *partial[] = {"Epoch:  54%|\xe2\x96\x88\xe2\x96\x88| 7/13 [31:14:16<30:00:00, 16952.06s/it]", NULL};
    const char *const *open[] = {header, earlier, batches, partial};
    for (size_t i = 0; i < sizeof open / sizeof *open; i++) {
        json_t *v = verdict_of(open[i]);
        CHECK(strcmp(vs(v, "type"), "success") != 0);
        json_decref(v);
    }
}

/* Lightning's end of fit counts on a progress line too (its logger prints
 * it on the line of the last epoch's bar); another completion mark on a
 * progress line does not (DLRM's per-epoch "Finished training it N"). */
TEST(cclean_trainer_fit_stopped_on_a_progress_line_is_completion)
{
    const char *fit = "Epoch 1: 100%|##| 159463/159463 [29:54:30<00:00,  1.48it/s, loss=8.22]"
                      "INFO:pytorch_lightning.utilities.rank_zero:`Trainer.fit` stopped: `max_epochs=2` reached.";
    const char *dlrm = "Finished training it 1024/4096 of epoch 0, 12.50 ms/it, loss 0.512";
    const char *const lines[] = {fit, dlrm};
    const char *const want[] = {"success", "no_failure"};
    for (size_t i = 0; i < 2; i++) {
        json_t *v = diag_activity_progress_verdict(lines + i, 1);
        CHECK_STR(vs(v, "type"), want[i]);
        json_decref(v);
    }
}
