// Report a repair: category, where, what, up to three photos.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { useAction } from "../ui.js";
import { replace } from "../router.js";
import PhotoPicker from "./photo-picker.js";
import { CATEGORIES } from "./repairs.js";

export default {
  components: { PhotoPicker },
  template: `
    <div>
      <div class="section-title">报修类别</div>
      <div class="chips">
        <button v-for="(label, key) in CATEGORIES" :key="key" type="button" :data-testid="'repair-category-' + key"
                :class="['chip', { active: form.category === key }]" @click="form.category = key">{{ label }}</button>
      </div>
      <van-cell-group inset class="gap">
        <van-field v-model.trim="form.location" label="位置" required placeholder="如 A座3楼 302室" data-testid="repair-location"
                   :error-message="save.fields.location" />
        <van-field v-model.trim="form.description" label="问题描述" required type="textarea" rows="3" autosize maxlength="2000"
                   placeholder="请描述故障情况" data-testid="repair-description" :error-message="save.fields.description" />
      </van-cell-group>
      <div class="section-title">现场照片（最多 3 张）</div>
      <photo-picker v-model="photos" testid="repair-photo" />
      <div class="actions">
        <van-button type="danger" block round :loading="save.busy" :disabled="!form.category || !form.location || !form.description"
                    data-testid="repair-submit" @click="save.run({ ...form, photo_ids: photos.map((p) => p.id) })">提交报修</van-button>
      </div>
    </div>`,
  setup() {
    const form = Vue.reactive({ category: "", location: "", description: "" });
    const photos = Vue.ref([]);
    // One report = one key: a retry after a lost reply or a double tap makes no second ticket.
    const save = useAction((key, body) => api.post("/repairs", body, { key, quiet: true }), {
      done(ticket) {
        showToast("报修已提交", "success");
        replace(`/repairs/${ticket.id}`);
      },
    });
    return { form, photos, save, CATEGORIES };
  },
};
