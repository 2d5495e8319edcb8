// Report a repair: category, where, what, up to three photos.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
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
        <van-field v-model.trim="form.location" label="位置" placeholder="如 A座3楼 302室" data-testid="repair-location" />
        <van-field v-model.trim="form.description" label="问题描述" type="textarea" rows="3" autosize maxlength="2000"
                   placeholder="请描述故障情况" data-testid="repair-description" />
      </van-cell-group>
      <div class="section-title">现场照片（最多 3 张）</div>
      <photo-picker v-model="photos" testid="repair-photo" />
      <div class="actions">
        <van-button type="danger" block round :loading="busy" :disabled="!form.category || !form.location || !form.description"
                    data-testid="repair-submit" @click="submit">提交报修</van-button>
      </div>
    </div>`,
  setup() {
    const form = Vue.reactive({ category: "", location: "", description: "" });
    const photos = Vue.ref([]);
    const busy = Vue.ref(false);
    async function submit() {
      busy.value = true;
      try {
        const ticket = await api.post("/repairs", { ...form, photo_ids: photos.value.map((p) => p.id) });
        showToast("报修已提交", "success");
        replace(`/repairs/${ticket.id}`);
      } finally {
        busy.value = false;
      }
    }
    return { form, photos, busy, submit, CATEGORIES };
  },
};
